// Security settings: once django-otp-webauthn has registered a passkey, show the page again
// (the new passkey in the list, and recovery codes if these were the first).
document.addEventListener("otp_webauthn.register_complete", () => {
  window.location.reload();
});

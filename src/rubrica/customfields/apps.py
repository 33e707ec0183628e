from django.apps import AppConfig


class CustomFieldsConfig(AppConfig):
    name = "rubrica.customfields"
    label = "customfields"

    def ready(self) -> None:
        from rubrica.core import sealing
        from rubrica.customfields.protection import builtin_sealed, phone_row_sealed

        if builtin_sealed not in sealing.SEAL_POLICY:
            sealing.SEAL_POLICY.append(builtin_sealed)
        if phone_row_sealed not in sealing.ROW_POLICY:
            sealing.ROW_POLICY.append(phone_row_sealed)

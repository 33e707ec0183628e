"""The bound on concurrent Argon2 hashing (security review, issue 17): parallel password checks
beyond RUBRICA_HASH_CONCURRENCY wait, and every one still gets the right answer."""

from __future__ import annotations

import threading

from django.contrib.auth.hashers import check_password, get_hasher, make_password

from rubrica.accounts import hashers


def test_the_configured_hasher_is_the_bounded_argon2_and_reads_plain_argon2_hashes(settings):
    stored = make_password("correct horse battery staple")

    assert isinstance(get_hasher("default"), hashers.BoundedArgon2PasswordHasher)
    assert stored.startswith("argon2$")
    assert check_password("correct horse battery staple", stored)


def test_parallel_password_checks_never_run_more_than_the_bound_at_once(settings):
    settings.RUBRICA_HASH_CONCURRENCY = 2
    stored = make_password("correct horse battery staple")
    hashers.peak(reset=True)
    results: list[bool] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def attempt(index: int) -> None:
        start.wait()
        ok = check_password("correct horse battery staple" if index % 2 else "wrong", stored)
        with lock:
            results.append(ok)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results) == [False] * 4 + [True] * 4
    assert 1 <= hashers.peak() <= 2


def test_a_bound_of_one_serialises_the_checks(settings):
    settings.RUBRICA_HASH_CONCURRENCY = 1
    stored = make_password("another long passphrase")
    hashers.peak(reset=True)
    threads = [
        threading.Thread(target=check_password, args=("another long passphrase", stored))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert hashers.peak() == 1

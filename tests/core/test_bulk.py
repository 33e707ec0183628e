"""``fast_insert``'s statements: a few fixed sizes, so the driver prepares each once."""

from __future__ import annotations

from rubrica.core.bulk import ROWS_PER_STATEMENT, _statement_sizes


def test_rows_go_in_statements_of_a_few_fixed_sizes_covering_every_row_once() -> None:
    for total in (0, 1, 2, 7, 127, 128, 129, 1000, 1337):
        for most in (1, 3, 20, 727, 32766):
            parts = list(_statement_sizes(total, most))
            assert [start for start, _n in parts] == [
                sum(n for _s, n in parts[:i]) for i in range(len(parts))
            ]
            assert sum(n for _s, n in parts) == total
            assert all(0 < n <= min(most, ROWS_PER_STATEMENT) for _s, n in parts)
            assert len({n for _s, n in parts}) <= 8

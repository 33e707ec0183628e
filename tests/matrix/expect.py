"""What each role may do: the expected outcome of every rule, written out by hand.

Not derived from the policies under test (or the matrix could not fail). A door names the rule it
follows; the table gives, per role and per record, what the door must answer:

- ``OK``: the door does what it is for (any answer but 401/403/404, never a 500);
- ``NOT_FOUND``: 404, the record is not shown to this person at all;
- ``FORBIDDEN``: 403, the person sees the record (or the page) but may not do this;
- ``LOGIN``: nobody is signed in: the web sends to the login page, the API answers 401.

Records (see ``world.py``) belong to ``owner``, a sales user of team A (which the sales and
read-only users are in too): ``private`` is the owner's alone, ``team`` is shared with team A,
``missing`` is an id nobody has (a guessed id). Doors without a record use the case ``-``.
"""

from __future__ import annotations

OK = "ok"
NOT_FOUND = "404"
FORBIDDEN = "403"
LOGIN = "login"

_GONE = {"private": LOGIN, "team": LOGIN, "missing": LOGIN, "-": LOGIN}

#: rule -> role -> record -> outcome.
EXPECT: dict[str, dict[str, dict[str, str]]] = {
    # See a record: administrators all; team A sees the team's; nobody else.
    "view": {
        "administrator": {"private": OK, "team": OK, "missing": NOT_FOUND},
        "sales": {"private": NOT_FOUND, "team": OK, "missing": NOT_FOUND},
        "read_only": {"private": NOT_FOUND, "team": OK, "missing": NOT_FOUND},
        "other_team": {"private": NOT_FOUND, "team": NOT_FOUND, "missing": NOT_FOUND},
        "inactive": _GONE,
        "anonymous": _GONE,
    },
    # Change or delete a record shared with the team: team members may, read-only may not.
    "change": {
        "administrator": {"private": OK, "team": OK, "missing": NOT_FOUND},
        "sales": {"private": NOT_FOUND, "team": OK, "missing": NOT_FOUND},
        "read_only": {"private": NOT_FOUND, "team": FORBIDDEN, "missing": NOT_FOUND},
        "other_team": {"private": NOT_FOUND, "team": NOT_FOUND, "missing": NOT_FOUND},
        "inactive": _GONE,
        "anonymous": _GONE,
    },
    # Restore a record from the Trash: as change, but the Trash shows read-only users nothing
    # (they could not restore it), so to them a record in the Trash is not there (404).
    "restore": {
        "administrator": {"private": OK, "team": OK, "missing": NOT_FOUND},
        "sales": {"private": NOT_FOUND, "team": OK, "missing": NOT_FOUND},
        "read_only": {"private": NOT_FOUND, "team": NOT_FOUND, "missing": NOT_FOUND},
        "other_team": {"private": NOT_FOUND, "team": NOT_FOUND, "missing": NOT_FOUND},
        "inactive": _GONE,
        "anonymous": _GONE,
    },
    # Restore a record only its owner restores (activities): the Trash shows it to nobody else.
    "owner_restore": {
        "administrator": {"private": OK, "team": OK, "missing": NOT_FOUND},
        "sales": {"private": NOT_FOUND, "team": NOT_FOUND, "missing": NOT_FOUND},
        "read_only": {"private": NOT_FOUND, "team": NOT_FOUND, "missing": NOT_FOUND},
        "other_team": {"private": NOT_FOUND, "team": NOT_FOUND, "missing": NOT_FOUND},
        "inactive": _GONE,
        "anonymous": _GONE,
    },
    # Change a record only its owner (and administrators) change, though the team sees it:
    # activities, calendars and their appointments, deleting a segment.
    "owner_change": {
        "administrator": {"private": OK, "team": OK, "missing": NOT_FOUND},
        "sales": {"private": NOT_FOUND, "team": FORBIDDEN, "missing": NOT_FOUND},
        "read_only": {"private": NOT_FOUND, "team": FORBIDDEN, "missing": NOT_FOUND},
        "other_team": {"private": NOT_FOUND, "team": NOT_FOUND, "missing": NOT_FOUND},
        "inactive": _GONE,
        "anonymous": _GONE,
    },
    # A record that is its owner's alone (jobs, imports, exports, merges, notifications, mail):
    # only administrators see another person's.
    "own": {
        "administrator": {"private": OK, "team": OK, "missing": NOT_FOUND},
        "sales": {"private": NOT_FOUND, "team": NOT_FOUND, "missing": NOT_FOUND},
        "read_only": {"private": NOT_FOUND, "team": NOT_FOUND, "missing": NOT_FOUND},
        "other_team": {"private": NOT_FOUND, "team": NOT_FOUND, "missing": NOT_FOUND},
        "inactive": _GONE,
        "anonymous": _GONE,
    },
    # Own records another person may not even administer (a user's own mail and mailboxes).
    "own_strict": {
        "administrator": {"private": NOT_FOUND, "team": NOT_FOUND, "missing": NOT_FOUND},
        "sales": {"private": NOT_FOUND, "team": NOT_FOUND, "missing": NOT_FOUND},
        "read_only": {"private": NOT_FOUND, "team": NOT_FOUND, "missing": NOT_FOUND},
        "other_team": {"private": NOT_FOUND, "team": NOT_FOUND, "missing": NOT_FOUND},
        "inactive": _GONE,
        "anonymous": _GONE,
    },
    # Add something to a record (log an activity on a person, a bulk action on ids): read-only
    # users are refused before any id is looked at (403 for every id: no oracle), others need to
    # see the record.
    "add_on": {
        "administrator": {"private": OK, "team": OK, "missing": NOT_FOUND},
        "sales": {"private": NOT_FOUND, "team": OK, "missing": NOT_FOUND},
        "read_only": {"private": FORBIDDEN, "team": FORBIDDEN, "missing": FORBIDDEN},
        "other_team": {"private": NOT_FOUND, "team": NOT_FOUND, "missing": NOT_FOUND},
        "inactive": _GONE,
        "anonymous": _GONE,
    },
    # Answer an invitation: only those invited (nobody here is); administrators see but are not
    # invited either.
    "attendee": {
        "administrator": {"private": FORBIDDEN, "team": FORBIDDEN, "missing": NOT_FOUND},
        "sales": {"private": NOT_FOUND, "team": FORBIDDEN, "missing": NOT_FOUND},
        "read_only": {"private": NOT_FOUND, "team": FORBIDDEN, "missing": NOT_FOUND},
        "other_team": {"private": NOT_FOUND, "team": NOT_FOUND, "missing": NOT_FOUND},
        "inactive": _GONE,
        "anonymous": _GONE,
    },
    # Create a record, or a write that needs no record: everyone active but read-only.
    "add": {
        "administrator": {"-": OK},
        "sales": {"-": OK},
        "read_only": {"-": FORBIDDEN},
        "other_team": {"-": OK},
        "inactive": _GONE,
        "anonymous": _GONE,
    },
    # Any page a signed-in person may open (lists show only what they may see).
    "signed_in": {
        "administrator": {"-": OK},
        "sales": {"-": OK},
        "read_only": {"-": OK},
        "other_team": {"-": OK},
        "inactive": _GONE,
        "anonymous": _GONE,
    },
    # Settings, users, teams, lists, custom fields, the audit log: administrators only.
    "admin": {
        "administrator": {"-": OK, "private": OK, "team": OK, "missing": NOT_FOUND},
        "sales": {"-": FORBIDDEN, "private": FORBIDDEN, "team": FORBIDDEN, "missing": FORBIDDEN},
        "read_only": {
            "-": FORBIDDEN,
            "private": FORBIDDEN,
            "team": FORBIDDEN,
            "missing": FORBIDDEN,
        },
        "other_team": {
            "-": FORBIDDEN,
            "private": FORBIDDEN,
            "team": FORBIDDEN,
            "missing": FORBIDDEN,
        },
        "inactive": _GONE,
        "anonymous": _GONE,
    },
}

# Custom field definitions: whoever holds "manage fields" on people and organizations, i.e.
# administrators and managers (ADR 0025); everyone else as for "admin".
EXPECT["fields"] = {
    **EXPECT["admin"],
    "manager": {"-": OK, "private": OK, "team": OK, "missing": NOT_FOUND},
}

# Export people: whoever holds "export" on people (ADR 0025): every shipped role asked here but
# Read-only, whose role grants viewing alone (the viewer of old could export).
EXPECT["export"] = EXPECT["add"]

# Erase a person (ADR 0035): the grant "erase" on people, which only Administrator holds among
# the shipped roles. A person one sees but may not erase is refused (403); one not seen is 404.
EXPECT["erase"] = {
    "administrator": {"private": OK, "team": OK, "missing": NOT_FOUND},
    # a Manager sees the team's private records (team_all, ADR 0033) but may not erase them
    "manager": {"private": FORBIDDEN, "team": FORBIDDEN, "missing": NOT_FOUND},
    "sales": {"private": NOT_FOUND, "team": FORBIDDEN, "missing": NOT_FOUND},
    "read_only": {"private": NOT_FOUND, "team": FORBIDDEN, "missing": NOT_FOUND},
    "other_team": {"private": NOT_FOUND, "team": NOT_FOUND, "missing": NOT_FOUND},
    "inactive": _GONE,
    "anonymous": _GONE,
}

#: Which records a role may see, for the lists, searches and exports: a door that lists must not
#: show the marker of a record outside this set.
VISIBLE: dict[str, frozenset[str]] = {
    "administrator": frozenset({"private", "team"}),
    "sales": frozenset({"team"}),
    "read_only": frozenset({"team"}),
    "other_team": frozenset(),
    "inactive": frozenset(),
    "anonymous": frozenset(),
}

# Manager of team A (ADR 0033): views, changes and deletes at "team, private included", so the
# owner's private records (the owner is in team A) are within reach, and so are the team's
# records only their owner changes (activities, calendars, appointments, a segment's delete).
_MANAGER_REACHES = {"private": OK, "team": OK, "missing": NOT_FOUND}
EXPECT["view"]["manager"] = _MANAGER_REACHES
EXPECT["change"]["manager"] = _MANAGER_REACHES
EXPECT["restore"]["manager"] = _MANAGER_REACHES
EXPECT["owner_restore"]["manager"] = _MANAGER_REACHES
EXPECT["owner_change"]["manager"] = _MANAGER_REACHES
EXPECT["add_on"]["manager"] = _MANAGER_REACHES
# Sees the private appointment too, and is not invited to it.
EXPECT["attendee"]["manager"] = {"private": FORBIDDEN, "team": FORBIDDEN, "missing": NOT_FOUND}

# Import and export jobs follow the imports/exports view level (ADR 0033): the owner's jobs are
# seen by their team (Sales, Read-only and Manager of team A hold team or team_all) but not by
# another team; their contents (file, rows, report) and acting on them (cancel, resume, revert)
# need all, "team, private included" (the Manager) or being the owner.
EXPECT["job_view"] = {
    "administrator": {"private": OK, "team": OK, "missing": NOT_FOUND},
    "manager": {"private": OK, "team": OK, "missing": NOT_FOUND},
    "sales": {"private": OK, "team": OK, "missing": NOT_FOUND},
    "read_only": {"private": OK, "team": OK, "missing": NOT_FOUND},
    "other_team": {"private": NOT_FOUND, "team": NOT_FOUND, "missing": NOT_FOUND},
    "inactive": _GONE,
    "anonymous": _GONE,
}
EXPECT["job_act"] = {
    "administrator": {"private": OK, "team": OK, "missing": NOT_FOUND},
    "manager": {"private": OK, "team": OK, "missing": NOT_FOUND},
    "sales": {"private": FORBIDDEN, "team": FORBIDDEN, "missing": NOT_FOUND},
    "read_only": {"private": FORBIDDEN, "team": FORBIDDEN, "missing": NOT_FOUND},
    "other_team": {"private": NOT_FOUND, "team": NOT_FOUND, "missing": NOT_FOUND},
    "inactive": _GONE,
    "anonymous": _GONE,
}

# Everywhere else a Manager acts as Sales does: the same rows, unless a rule above (or in a door
# module) writes its own.
for _outcomes in EXPECT.values():
    _outcomes.setdefault("manager", _outcomes["sales"])
VISIBLE["manager"] = VISIBLE["administrator"]

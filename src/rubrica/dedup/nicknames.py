"""Common English and Italian nicknames and spelling variants, mapped to one canonical given name.

Used only to *compare* names (``bob`` and ``Robert`` become ``robert`` in match keys); nothing
shown to people changes. The table is deliberately small and unambiguous: a nickname that stands
for several different names in common use (``nino``: Antonio or Giovanni; ``lele``: Emanuele or
Gabriele; ``ale``: Alessandro or Alessandra) is left out, because a wrong canonical form would
make two different people look alike. Keys and values are folded (lower case, no accents).
"""

from __future__ import annotations

from rubrica.search.text import fold

_GROUPS: dict[str, tuple[str, ...]] = {
    # English
    "abigail": ("abby", "abbie", "gail"),
    "albert": ("al", "bert", "bertie"),
    "alexander": ("alex", "alec", "sandy", "xander"),
    "amanda": ("mandy", "manda"),
    "andrew": ("andy", "drew"),
    "anthony": ("tony", "antony"),
    "benjamin": ("ben", "benji", "benny"),
    "catherine": ("cathy", "kate", "katie", "kathy", "katherine", "kathryn", "cath", "kat"),
    "charles": ("charlie", "chuck", "chas"),
    "christopher": ("chris", "kit"),
    "cynthia": ("cindy",),
    "daniel": ("dan", "danny"),
    "david": ("dave", "davey"),
    "deborah": ("debbie", "deb", "debra"),
    "dorothy": ("dot", "dottie", "dolly"),
    "edward": ("ed", "eddie", "ted", "teddy", "ned"),
    "elizabeth": ("liz", "lizzie", "beth", "betty", "bess", "eliza", "libby", "elisabeth"),
    "frederick": ("fred", "freddie", "freddy"),
    "gregory": ("greg",),
    "henry": ("hank", "harry", "hal"),
    "james": ("jim", "jimmy", "jamie"),
    "jennifer": ("jen", "jenny", "jenn"),
    "jessica": ("jess", "jessie"),
    "john": ("jack", "johnny"),
    "jonathan": ("jonny",),
    "joseph": ("joe", "joey", "jos"),
    "joshua": ("josh",),
    "kenneth": ("ken", "kenny"),
    "lawrence": ("larry", "laurence"),
    "manuel": ("manny",),
    "margaret": ("maggie", "peggy", "meg", "marge", "margie", "greta"),
    "matthew": ("matt", "matty"),
    "michael": ("mike", "mikey", "mick", "mickey"),
    "nicholas": ("nick", "nicky", "nicolas"),
    "patricia": ("patty", "patsy", "trish", "tricia"),
    "patrick": ("paddy",),
    "peter": ("pete",),
    "philip": ("phil", "phillip"),
    "raymond": ("ray",),
    "rebecca": ("becky", "becca"),
    "richard": ("dick", "rick", "ricky", "rich", "richie"),
    "robert": ("bob", "bobby", "rob", "robbie", "bert"),
    "ronald": ("ron", "ronnie"),
    "samuel": ("sam", "sammy"),
    "sarah": ("sally", "sara"),
    "stephen": ("steve", "stevie", "steven"),
    "stuart": ("stu", "stewart"),
    "susan": ("sue", "susie", "suzy"),
    "thomas": ("tom", "tommy"),
    "timothy": ("tim", "timmy"),
    "victoria": ("vicky", "vicki", "tori"),
    "walter": ("walt", "wally"),
    "william": ("bill", "billy", "will", "willy", "liam"),
    # Italian
    "alessandro": ("sandro",),
    "domenico": ("mimmo", "mimì"),
    "elisabetta": ("betta", "elisa"),
    "filippo": ("pippo",),
    "francesco": ("cecco", "checco", "ciccio"),
    "giovanni": ("gianni", "nanni", "vanni"),
    "giuseppe": ("beppe", "peppe", "peppino", "pino", "bepi"),
    "luigi": ("gigi", "gino"),
    "rosario": ("saro",),
    "salvatore": ("totò", "toto", "turi", "turiddu", "salvo"),
    "vincenzo": ("enzo",),
}

# "bert" is both Albert and Robert: ambiguous, so it is dropped from both below.
_AMBIGUOUS = {"bert"}

NICKNAMES: dict[str, str] = {}
for _canonical, _variants in _GROUPS.items():
    for _variant in _variants:
        if _variant not in _AMBIGUOUS:
            NICKNAMES[fold(_variant)] = _canonical

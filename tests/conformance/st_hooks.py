"""schemathesis hooks for Chorus API (loaded with SCHEMATHESIS_HOOKS=st_hooks).

- Strategies for the custom scalars of schema.graphql (DateTime, NaiveDate) and plausible values
  for the built-in ones (ID, String, Int), so that generated operations reach the resolvers
  instead of stopping at "not a valid ID".
- A `flatmap_body` hook that, for most arguments, swaps the generated value for one that fits the
  argument's name: real global IDs of the right type taken from the demo data (`personId`,
  `lineId`, `ids` of `markVoicemails`, ...), E.164 numbers and extensions for `number`, IANA zones
  for `timeZone`, `HH:MM` for `opens`, real cursors for `after`, page sizes for `first`, a
  conference end after its start. The rest of the time the random value stays, so rejections
  are exercised too.
- The check `deliberate_errors`: no 5xx, and every `errors[]` entry carries `extensions.code`
  from the API's closed set, never INTERNAL. It replaces schemathesis' `not_a_server_error` and
  `positive_data_acceptance`, which count any error as a failure (FORBIDDEN and NOT_FOUND are
  answers, not faults).

The demo data comes from the JSON file named by CHORUS_ST_DATA, written beforehand by
`python3 st_hooks.py collect URL OUT.json TOKEN...` (tests/conformance/schemathesis.sh).
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import os
import sys
import urllib.request

# Error codes the API gives on purpose (api/src/graphql/errors.rs `ApiError::code`, the HTTP
# layer's request errors, graphql/cost.rs). INTERNAL is deliberately absent, and so is no code
# at all (async-graphql's own validation errors carry none; generated queries are valid).
DELIBERATE_CODES = frozenset(
    os.environ.get(
        "CHORUS_ST_CODES",
        "UNAUTHENTICATED,FORBIDDEN,BAD_USER_INPUT,NOT_FOUND,LIMIT_EXCEEDED,BAD_REQUEST,"
        "MAX_COST_EXCEEDED,THROTTLED",
    ).split(",")
)

# Which global ID type an ID argument wants, by its name. `id`/`ids`/`groupId` depend on the
# operation (see `_id_type`).
ID_ARGS = {
    "personId": "Person",
    "personIds": "Person",
    "ownerId": "Person",
    "agentIds": "Person",
    "assistantIds": "Person",
    "managerId": "Person",
    "managerIds": "Person",
    "unitId": "Unit",
    "lineId": "Line",
    "pilotLineId": "Line",
    "deviceId": "Device",
    "centreId": "ContactCentre",
    "queueId": "ContactCentreQueue",
    "conferenceId": "Teleconference",
    "roundId": "NominationRound",
    "trancheId": "Tranche",
}

# Root field name fragments -> the type of its `id`/`ids`/`groupId`.
ROOT_ID_TYPES = [
    ("oicemail", "Voicemail"),
    ("onference", "Teleconference"),
    ("untGroup", "HuntGroup"),
    ("ickupGroup", "PickupGroup"),
    ("aGroup", "EaGroup"),
    ("EaDivert", "EaGroup"),
    ("EaWhitelist", "EaGroup"),
    ("ontactCentre", "ContactCentre"),
    ("penningHours", "ContactCentre"),
    ("losures", "ContactCentre"),
    ("ueue", "ContactCentreQueue"),
    ("ranche", "Tranche"),
    ("ominationRound", "NominationRound"),
    ("Unit", "Unit"),
    ("Device", "Device"),
    ("Line", "Line"),
    ("ialling", "Line"),
    ("Person", "Person"),
    ("irectory", "Person"),
    ("Licence", "Person"),
    ("node", "*"),
]

TIME_ZONES = [
    "Europe/London",
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Not/A_Zone",
    "",
    "europe/london",
]

DATA: dict = {}
if os.environ.get("CHORUS_ST_DATA"):
    with open(os.environ["CHORUS_ST_DATA"], encoding="utf-8") as f:
        DATA = json.load(f)


def _global_id(type_name: str, uuid_text: str) -> str:
    raw = f"v1:{type_name}:{uuid_text}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# --------------------------------------------------------------------------------------------
# Collecting the demo data (run once per schemathesis run, before it).
# --------------------------------------------------------------------------------------------

COLLECT_QUERIES = {
    "units": "{ units(first: 100) { edges { cursor node { id code name } } } }",
    "people": """query($after: String) { directory(first: 100, after: $after) {
        pageInfo { endCursor hasNextPage }
        edges { cursor node { id username email displayName
          lines { id number extension } devices { id } } } } }""",
    "groups": "{ huntGroups { id } pickupGroups { id } eaGroups { id } }",
    "centres": "{ contactCentres { id queues { id } } }",
    "conferences": "{ conferences(first: 100) { edges { cursor node { id } } } }",
    "voicemails": "{ voicemails(first: 100) { edges { cursor node { id pbxMessageId } } } }",
    "callHistory": "{ callHistory(first: 100) { edges { cursor node { id } } } }",
    "cutover": "{ tranches { id } nominationRounds { id } }",
    "teamsEligibility": "{ teamsEligibility(first: 100) { rows { edges { cursor } } } }",
    "movementSets": "{ movementSets(first: 100) { edges { cursor } } }",
    "chorusUpgradePreview": "{ chorusUpgradePreview(first: 100) { edges { cursor } } }",
}

# The list a collection query's cursors belong to, by the root field that pages it.
CURSOR_LISTS = {"people": "directory", "units": "units"}


def _post(url: str, token: str, query: str, variables: dict | None = None) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        url,
        data=body,
        headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def _ids_in(value, out: list[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "id" and isinstance(item, str):
                out.append(item)
            else:
                _ids_in(item, out)
    elif isinstance(value, list):
        for item in value:
            _ids_in(item, out)


def _cursors_in(value, out: list[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("cursor", "endCursor") and isinstance(item, str):
                out.append(item)
            else:
                _cursors_in(item, out)
    elif isinstance(value, list):
        for item in value:
            _cursors_in(item, out)


def collect(url: str, tokens: list[str]) -> dict:
    """IDs by type, numbers, usernames and cursors, as the given callers see them (the admin
    sees everyone; a user has voicemail and conferences)."""
    ids: list[str] = []
    cursors: dict[str, list[str]] = {}
    people: list[dict] = []
    for token, (name, query) in ((t, q) for t in tokens for q in COLLECT_QUERIES.items()):
        if name == "people" and token != tokens[0]:
            continue
        after = None
        for _ in range(20 if name == "people" else 1):
            answer = _post(url, token, query, {"after": after} if after else None)
            data = answer.get("data") or {}
            _ids_in(data, ids)
            _cursors_in(data, cursors.setdefault(CURSOR_LISTS.get(name, name), []))
            if name != "people":
                break
            directory = data.get("directory") or {}
            people.extend(e["node"] for e in directory.get("edges") or [])
            info = directory.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                break
            after = info.get("endCursor")
    by_type: dict[str, list[str]] = {}
    for gid in dict.fromkeys(ids):
        try:
            padded = gid + "=" * (-len(gid) % 4)
            _, type_name, _ = base64.urlsafe_b64decode(padded).decode().split(":", 2)
        except (ValueError, UnicodeDecodeError):
            continue
        by_type.setdefault(type_name, []).append(gid)
    people = list({p["id"]: p for p in people}.values())
    lines = [line for p in people for line in p.get("lines") or []]
    return {
        "ids": by_type,
        "cursors": {k: list(dict.fromkeys(v)) for k, v in cursors.items() if v},
        "usernames": [p["username"] for p in people] + ["demo-admin", "demo-user", "demo-automation"],
        "emails": [p["email"] for p in people],
        "names": [p["displayName"] for p in people],
        "numbers": [line["number"] for line in lines],
        "extensions": [line["extension"] for line in lines],
    }


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------


def _pick(rnd, items: list, fallback):
    return rnd.choice(items) if items else fallback


def _random_uuid(rnd) -> str:
    return "%08x-%04x-7%03x-%04x-%012x" % (
        rnd.getrandbits(32),
        rnd.getrandbits(16),
        rnd.getrandbits(12),
        0x8000 | rnd.getrandbits(14),
        rnd.getrandbits(48),
    )


def plausible_id(rnd, type_name: str) -> str:
    ids = DATA.get("ids", {})
    roll = rnd.random()
    if type_name == "*" or roll < 0.08:
        pool = [gid for group in ids.values() for gid in group]
    else:
        pool = ids.get(type_name, [])
    if pool and roll < 0.85:
        return rnd.choice(pool)
    if roll < 0.95:
        # Well-formed, of the right type, naming nothing.
        name = type_name if type_name != "*" else "Person"
        return _global_id(name, _random_uuid(rnd))
    return rnd.choice(["", "x", "djE6QmFkOjE", "not-an-id", _random_uuid(rnd)])


def plausible_number(rnd) -> str:
    numbers = DATA.get("numbers", [])
    roll = rnd.random()
    if numbers and roll < 0.35:
        return rnd.choice(numbers)
    if roll < 0.5:
        return _pick(rnd, DATA.get("extensions", []), "70000")
    if numbers and roll < 0.65:
        n = rnd.choice(numbers)
        # Other spellings: national, spaced.
        if n.startswith("+44"):
            return rnd.choice([f"0{n[3:]}", f"+44 {n[3:7]} {n[7:]}", f"0{n[3:7]} {n[7:]}"])
        return n
    if roll < 0.8:
        return "+44" + "".join(str(rnd.randrange(10)) for _ in range(10))
    if roll < 0.88:
        return "+" + "".join(str(rnd.randrange(10)) for _ in range(rnd.randrange(1, 17)))
    return rnd.choice(["", "*", "+", "0", "01865*", "+441865*", "999", "112", "abc", "+44 (0) 1865"])


def plausible_datetime(rnd, near: dt.datetime | None = None) -> dt.datetime:
    now = dt.datetime.now(dt.timezone.utc)
    roll = rnd.random()
    if near is not None:
        try:
            return near + dt.timedelta(minutes=rnd.choice([15, 30, 60, 90, 240, -30, 0]))
        except OverflowError:
            return near
    if roll < 0.45:
        return now + dt.timedelta(seconds=rnd.randrange(-400 * 86400, 400 * 86400))
    if roll < 0.75:
        # Soon: what conferences and deadlines want.
        return (now + dt.timedelta(hours=rnd.randrange(1, 24 * 60))).replace(
            minute=rnd.choice([0, 15, 30, 45]), second=0, microsecond=0
        )
    if roll < 0.9:
        return dt.datetime(
            rnd.choice([1, 2, 1900, 1970, 2038, 9999]),
            rnd.randrange(1, 13),
            rnd.randrange(1, 29),
            tzinfo=dt.timezone.utc,
        )
    return dt.datetime(1, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(
        seconds=rnd.randrange(0, 9998 * 365 * 86400)
    )


# Valid for chrono, beyond Python's datetime: the ends of chrono's range, year 0, five digits.
EXTREME_DATETIMES = [
    "+262142-12-31T23:59:59Z",
    "-262143-01-01T00:00:00Z",
    "+10000-01-01T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "-0001-12-31T23:59:59+14:00",
    "9999-12-31T23:59:59.999999999-12:00",
]
EXTREME_DATES = ["+262142-12-31", "-262143-01-01", "+10000-01-01", "0000-01-01", "-0001-12-31"]


def datetime_text(rnd, near: dt.datetime | None = None) -> str:
    if near is None and rnd.random() < 0.05:
        return rnd.choice(EXTREME_DATETIMES)
    return format_datetime(rnd, plausible_datetime(rnd, near))


def date_text(rnd) -> str:
    if rnd.random() < 0.05:
        return rnd.choice(EXTREME_DATES)
    return plausible_date(rnd).isoformat()


def format_datetime(rnd, value: dt.datetime) -> str:
    if rnd.random() < 0.3:
        offset = dt.timezone(dt.timedelta(minutes=rnd.choice([60, -300, 330, 765, -720])))
        try:
            value = value.astimezone(offset)
        except OverflowError:
            pass
    text = value.isoformat()
    return text.replace("+00:00", "Z") if rnd.random() < 0.7 else text


def plausible_date(rnd) -> dt.date:
    today = dt.date.today()
    roll = rnd.random()
    if roll < 0.8:
        return today + dt.timedelta(days=rnd.randrange(-60, 400))
    if roll < 0.9:
        return dt.date(rnd.choice([1, 1970, 2038, 9999]), rnd.randrange(1, 13), rnd.randrange(1, 29))
    return dt.date(1, 1, 1) + dt.timedelta(days=rnd.randrange(0, 3_650_000))


def _cursors(rnd, root: str) -> list[str]:
    """Cursors of the list `root` pages (mostly), or of any list."""
    lists = DATA.get("cursors", {})
    if root in lists and rnd.random() < 0.9:
        return lists[root]
    return [c for cs in lists.values() for c in cs]


def mutated_cursor(rnd, root: str) -> str:
    """A real cursor with one value inside changed: extreme times, ranks, long names."""
    cursors = _cursors(rnd, root)
    if not cursors:
        return ""
    cursor = rnd.choice(cursors)
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        return cursor
    keys = key if isinstance(key, list) else [key]
    i = rnd.randrange(len(keys))
    item = keys[i]
    if isinstance(item, int):
        keys[i] = rnd.choice([-32768, 32767, -1, 0, 99])
    elif isinstance(item, str) and item[:2].isdigit() and "T" in item:
        keys[i] = rnd.choice(
            [
                "+262143-12-31T23:59:59Z",
                "+262142-12-31T23:59:59.999999999Z",
                "-262143-01-01T00:00:00Z",
                "0001-01-01T00:00:00Z",
                "9999-12-31T23:59:59.999999999Z",
                "1969-12-31T23:59:59Z",
            ]
        )
    elif isinstance(item, str):
        keys[i] = rnd.choice(["", "\u0000", "z" * 300, "Saïd", "%", "_", "'; --"])
    value = keys if isinstance(key, list) else keys[0]
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def plausible_string(rnd, name: str, root: str = "") -> str | None:
    """A value for a String argument by its name; None to keep the generated one."""
    if name in ("number", "to", "from", "target", "routedVia", "answeredBy"):
        return plausible_number(rnd)
    if name == "timeZone":
        return rnd.choice(TIME_ZONES)
    if name in ("opens", "closes"):
        if rnd.random() < 0.85:
            return f"{rnd.randrange(24):02d}:{rnd.choice([0, 15, 30, 45, 59]):02d}"
        return rnd.choice(["24:00", "9:00", "25:00", "12:60", "", "noon", "00:00:00"])
    if name == "username":
        return _pick(rnd, DATA.get("usernames", []), "demo-user")
    if name in ("email", "emailAddress"):
        if rnd.random() < 0.7:
            return _pick(rnd, DATA.get("emails", []), "someone@example.ox.ac.uk")
        return rnd.choice(["", "not-an-email", "a@b", "x" * 300 + "@example.org"])
    if name in ("after", "before"):
        roll = rnd.random()
        if roll < 0.5:
            return _pick(rnd, _cursors(rnd, root), "")
        if roll < 0.8:
            return mutated_cursor(rnd, root)
        return None
    if name == "pin":
        return "".join(str(rnd.randrange(10)) for _ in range(rnd.choice([0, 3, 4, 6, 8, 12])))
    if name == "search":
        roll = rnd.random()
        if roll < 0.4:
            name_ = _pick(rnd, DATA.get("names", []), "Smith")
            return name_[: rnd.randrange(1, len(name_) + 1)]
        if roll < 0.6:
            return plausible_number(rnd)
        if roll < 0.7:
            return rnd.choice(["said", "SAÏD", "o'", "%", "_", "\\", " ", "a b c", "z" * 150])
        return None
    if name == "pbxCallId":
        return f"pbx-{rnd.getrandbits(40):x}"
    if name in ("displayName", "name", "title", "label", "jobTitle", "model", "reason"):
        roll = rnd.random()
        if roll < 0.5:
            return rnd.choice(["Front desk", "Weekly sync", "Dr Saïd Ng", "Porters' Lodge", "Lab 2"])
        if roll < 0.6:
            return rnd.choice(["", " ", "x" * 101, "x" * 300, "\t\n"])
        return None
    return None


INT_RANGES = {
    "first": (1, 100),
    "last": (1, 100),
    "points": (1, 2000),
    "ports": (1, 120),
    "capacity": (0, 500),
    "expectedVersion": (0, 4),
    "ringSeconds": (5, 120),
    "maxWaitSeconds": (0, 3600),
    "maxWaiting": (0, 100),
    "position": (0, 6),
    "lookBackDays": (1, 365),
    "expiresInSeconds": (1, 86400),
    "ringsBeforeVoicemail": (1, 10),
    "number": (1, 10),
}


# --------------------------------------------------------------------------------------------
# The body hook: rewrite argument values by name.
# --------------------------------------------------------------------------------------------


def _id_type(arg: str, root_field: str) -> str:
    if arg in ID_ARGS:
        return ID_ARGS[arg]
    for fragment, type_name in ROOT_ID_TYPES:
        if fragment in root_field[:1].upper() + root_field[1:]:
            return type_name
    return "*"


def _rewrite_value(graphql, nodes, rnd, value, type_, name: str, root: str, siblings: dict):
    """A new value node for `value` of input type `type_`, or `value` itself."""
    named = graphql.get_nullable_type(type_)
    if isinstance(value, graphql.VariableNode) or isinstance(value, graphql.NullValueNode):
        return value
    if isinstance(named, graphql.GraphQLList) and isinstance(value, graphql.ListValueNode):
        items = [
            _rewrite_value(graphql, nodes, rnd, v, named.of_type, name, root, {}) for v in value.values
        ]
        if name.endswith("Ids") or name == "ids":
            # Mostly short lists of distinct ids; sometimes a repeat.
            items = items[: rnd.choice([1, 1, 2, 3, 5])]
            if items and rnd.random() < 0.1:
                items.append(items[0])
        value.values = tuple(items)
        return value
    if isinstance(named, graphql.GraphQLInputObjectType) and isinstance(value, graphql.ObjectValueNode):
        fields = {f.name.value: f for f in value.fields}
        # Starts before ends, so that an end can follow its (rewritten) start.
        for field in sorted(value.fields, key=lambda f: f.name.value.startswith("end")):
            input_field = named.fields.get(field.name.value)
            if input_field is not None:
                field.value = _rewrite_value(
                    graphql, nodes, rnd, field.value, input_field.type, field.name.value, root, fields
                )
        return value
    if not isinstance(named, graphql.GraphQLScalarType) or rnd.random() > 0.85:
        return value
    scalar = named.name
    if scalar == "ID":
        return nodes.String(plausible_id(rnd, _id_type(name, root)))
    if scalar == "String":
        text = plausible_string(rnd, name, root)
        return value if text is None else nodes.String(text)
    if scalar == "Int" and name in INT_RANGES:
        low, high = INT_RANGES[name]
        if rnd.random() < 0.9:
            return nodes.Int(rnd.randint(low, high))
        return value
    if scalar == "DateTime":
        near = None
        if name == "endsAt" and "startsAt" in siblings:
            start = siblings["startsAt"].value
            if isinstance(start, graphql.StringValueNode):
                try:
                    near = dt.datetime.fromisoformat(start.value.replace("Z", "+00:00"))
                except (ValueError, OverflowError):
                    near = None
        return nodes.String(datetime_text(rnd, near))
    if scalar == "NaiveDate":
        return nodes.String(date_text(rnd))
    return value


def _rewrite_document(document, rnd, schema):
    import graphql
    from schemathesis.graphql import nodes

    document = copy.deepcopy(document)
    for definition in document.definitions:
        if not isinstance(definition, graphql.OperationDefinitionNode):
            continue
        root_type = (
            schema.mutation_type
            if definition.operation == graphql.OperationType.MUTATION
            else schema.query_type
        )
        for selection in definition.selection_set.selections:
            if not isinstance(selection, graphql.FieldNode):
                continue
            root = selection.name.value
            _rewrite_field(graphql, nodes, rnd, schema, root_type, selection, root)
    return document


def _rewrite_field(graphql, nodes, rnd, schema, parent_type, field_node, root: str) -> None:
    fields = getattr(parent_type, "fields", None) or {}
    field = fields.get(field_node.name.value)
    if field is None:
        return
    # Relay paging: `first` or `last`, `after` or `before`, mostly not both.
    arguments = list(field_node.arguments or ())
    for pair in (("first", "last"), ("after", "before")):
        present = [a for a in arguments if a.name.value in pair and not isinstance(a.value, graphql.NullValueNode)]
        if len(present) == 2 and rnd.random() < 0.85:
            arguments.remove(rnd.choice(present))
    field_node.arguments = tuple(arguments)
    siblings = {a.name.value: a for a in field_node.arguments}
    for argument in field_node.arguments or ():
        arg = field.args.get(argument.name.value)
        if arg is not None:
            argument.value = _rewrite_value(
                graphql, nodes, rnd, argument.value, arg.type, argument.name.value, root, siblings
            )
    if field_node.selection_set is None:
        return
    child = graphql.get_named_type(field.type)
    for selection in field_node.selection_set.selections:
        if isinstance(selection, graphql.FieldNode):
            _rewrite_field(graphql, nodes, rnd, schema, child, selection, root)
        elif isinstance(selection, graphql.InlineFragmentNode) and selection.type_condition:
            fragment_type = schema.get_type(selection.type_condition.name.value)
            for inner in selection.selection_set.selections:
                if isinstance(inner, graphql.FieldNode):
                    _rewrite_field(graphql, nodes, rnd, schema, fragment_type, inner, root)


# --------------------------------------------------------------------------------------------
# Registration (only when loaded by schemathesis, not for `collect`).
# --------------------------------------------------------------------------------------------


def _register() -> None:
    import graphql
    import schemathesis
    from hypothesis import strategies as st
    from schemathesis.graphql import nodes

    schema_path = os.environ.get("CHORUS_ST_SCHEMA", "schema.graphql")
    with open(schema_path, encoding="utf-8") as f:
        schema = graphql.build_schema(f.read())

    randoms = st.randoms(use_true_random=False)
    schemathesis.graphql.scalar(
        "DateTime",
        randoms.map(lambda r: nodes.String(datetime_text(r))),
    )
    schemathesis.graphql.scalar("NaiveDate", randoms.map(lambda r: nodes.String(date_text(r))))
    schemathesis.graphql.scalar(
        "ID",
        st.one_of(
            randoms.map(lambda r: nodes.String(plausible_id(r, "*"))),
            st.text(max_size=20).map(nodes.String),
        ),
    )
    schemathesis.graphql.scalar(
        "Int",
        st.one_of(
            st.integers(min_value=-2, max_value=120),
            st.integers(min_value=-(2**31), max_value=2**31 - 1),
        ).map(nodes.Int),
    )
    schemathesis.graphql.scalar(
        "String",
        st.one_of(
            randoms.map(lambda r: nodes.String(plausible_string(r, "number") or "")),
            randoms.map(lambda r: nodes.String(plausible_string(r, "name") or "Lab 2")),
            st.text(max_size=40).map(nodes.String),
        ),
    )

    @schemathesis.hook
    def flatmap_body(context, body):
        return randoms.map(lambda r: _rewrite_document(body, r, schema))

    @schemathesis.check
    def deliberate_errors(ctx, response, case):
        """No 5xx; every error carries a deliberate `extensions.code` (never INTERNAL)."""
        if response.status_code >= 500:
            raise AssertionError(f"server error: HTTP {response.status_code}")
        try:
            payload = response.json()
        except ValueError:
            raise AssertionError(f"not JSON (HTTP {response.status_code})") from None
        if not isinstance(payload, dict):
            raise AssertionError("the response is not a JSON object")
        for error in payload.get("errors") or []:
            extensions = error.get("extensions") if isinstance(error, dict) else None
            code = extensions.get("code") if isinstance(extensions, dict) else None
            if code == "INTERNAL":
                raise AssertionError(f"INTERNAL error: {error.get('message')!r} at {error.get('path')}")
            if code not in DELIBERATE_CODES:
                raise AssertionError(
                    f"error without a deliberate code ({code!r}): {error.get('message')!r} at {error.get('path')}"
                )
        return None


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "collect":
        result = collect(sys.argv[2], sys.argv[4:])
        with open(sys.argv[3], "w", encoding="utf-8") as out:
            json.dump(result, out)
        counts = {k: len(v) for k, v in result["ids"].items()}
        cursors = {k: len(v) for k, v in result["cursors"].items()}
        print(f"demo data: ids {counts}, cursors {cursors}, {len(result['numbers'])} numbers")
    else:
        sys.exit("usage: st_hooks.py collect URL OUT.json TOKEN...")
else:
    _register()

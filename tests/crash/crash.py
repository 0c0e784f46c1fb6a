#!/usr/bin/env python3
"""Crash safety: kill the server with SIGKILL in the middle of voicemail ingest and of tranche
moves, many times, and check that nothing is lost, orphaned or half-moved, and that a restart
finishes what was pending.

Usage: tests/crash/crash.py [path/to/chorus] [--database-url postgres://...] [--rounds N]

Voicemail ingest (the PBX's POST /v1/mailboxes/{n}/voicemails): each round sends 16 concurrent
deliveries and kills the server at a random moment. After the restart every delivery the
server acknowledged (200/201) has its row and its blob; the PBX then re-sends the rest and each
is stored exactly once. At the end `chorus storage fsck` finds no row without audio; blobs of
killed writes (no row names them) are removed by `fsck --repair --grace 1s`, after which fsck
is clean.

Tranche moves (executeTranche): each demo tranche with members is frozen and executed, and the
server is killed during the move, then again during the resumed move after a restart. After
every kill, before anything else runs: every hunt and EA group has all its members on one
platform (a movement set moved whole or not at all) and nobody on Teams still has an active
Chorus desk phone. Finally each restart finishes the tranche by itself (IN_PROGRESS → DONE,
every member on Teams) without anyone running it again.
"""

import argparse
import io
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
import wave


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wav_bytes(seconds=2.0, rate=8000):
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = bytearray()
        for i in range(int(seconds * rate)):
            value = int(8000 * ((i // 20) % 2 * 2 - 1))
            frames += value.to_bytes(2, "little", signed=True)
        w.writeframes(bytes(frames))
    return out.getvalue()


class Server:
    def __init__(self, binary, data_dir, database_url):
        self.binary = binary
        self.data_dir = data_dir
        self.database_url = database_url
        self.port = free_port()
        self.proc = None
        self.log = open(os.path.join(data_dir, "server.log"), "ab")

    def args(self, *rest):
        extra = ["--database-url", self.database_url] if self.database_url else []
        return [self.binary, *rest, "--data-dir", self.data_dir, *extra]

    def start(self, demo=False):
        args = self.args("serve", "--listen", f"127.0.0.1:{self.port}")
        if demo:
            args.insert(2, "--demo")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log)
        deadline = time.time() + 300
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=1).read()
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.05)
        raise SystemExit("server not ready in time")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)

    def token(self, person):
        out = subprocess.run(self.args("token", "--person", person), capture_output=True, check=True)
        return out.stdout.decode().strip()

    def request(self, path, body=None, token=None, content_type="application/json", timeout=30):
        headers = {"content-type": content_type}
        if token:
            headers["authorization"] = f"Bearer {token}"
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def graphql(self, query, variables=None, token=None):
        status, body = self.request(
            "/graphql", json.dumps({"query": query, "variables": variables or {}}).encode(), token
        )
        answer = json.loads(body)
        if answer.get("errors"):
            raise SystemExit(f"GraphQL errors ({status}): {answer['errors']}")
        return answer["data"]


class Database:
    """Reads the database while the server is down (SQLite file or PostgreSQL)."""

    def __init__(self, data_dir, database_url):
        self.data_dir = data_dir
        self.database_url = database_url

    def rows(self, sql):
        if self.database_url:
            out = subprocess.run(
                ["psql", self.database_url, "-At", "-F", "\t", "-c", sql],
                capture_output=True, check=True, text=True,
            )
            return [tuple(line.split("\t")) for line in out.stdout.splitlines() if line]
        import sqlite3
        con = sqlite3.connect(os.path.join(self.data_dir, "chorus.db"))
        try:
            return [tuple(str(v) for v in row) for row in con.execute(sql).fetchall()]
        finally:
            con.close()


SPLIT_GROUPS = """
SELECT 'hunt', m.group_id FROM hunt_group_member m JOIN person p ON p.id = m.person_id
GROUP BY m.group_id HAVING COUNT(DISTINCT p.platform) > 1
UNION ALL
SELECT 'ea', m.group_id FROM ea_group_member m JOIN person p ON p.id = m.person_id
GROUP BY m.group_id HAVING COUNT(DISTINCT p.platform) > 1
"""
HALF_MOVED_PEOPLE = """
SELECT p.username FROM person p JOIN device d ON d.owner_id = p.id
WHERE p.platform = 'TEAMS' AND d.kind = 'DESK_PHONE' AND d.status = 'ACTIVE'
"""


def check_moves_whole(db, where):
    split = db.rows(SPLIT_GROUPS)
    half = db.rows(HALF_MOVED_PEOPLE)
    if split or half:
        raise SystemExit(f"after a kill {where}: groups split across platforms {split[:5]}, "
                         f"people half moved {half[:5]}")


def ingest_rounds(server, db, rounds, rng):
    pbx = server.token("demo-automation")
    user = server.token("demo-user")
    extension = server.graphql("{ me { lines { extension } } }", token=user)["me"]["lines"][0]["extension"]
    audio = wav_bytes()
    acked, sent = set(), []
    for round_no in range(rounds):
        ids = [f"crash-{round_no}-{i}-{uuid.uuid4().hex[:8]}" for i in range(16)]
        sent.extend(ids)
        lock = threading.Lock()

        def deliver(pbx_id):
            try:
                status, _ = server.request(
                    f"/v1/mailboxes/{extension}/voicemails?pbxMessageId={pbx_id}&caller=%2B441865270000",
                    audio, pbx, content_type="audio/wav", timeout=10,
                )
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                return
            if status in (200, 201):
                with lock:
                    acked.add(pbx_id)

        threads = [threading.Thread(target=deliver, args=(i,)) for i in ids]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.005, 0.5))
        server.kill()
        for t in threads:
            t.join()
        stored = {r[0] for r in db.rows("SELECT pbx_message_id FROM voicemail WHERE pbx_message_id LIKE 'crash-%'")}
        lost = acked - stored
        if lost:
            raise SystemExit(f"acknowledged voicemails lost after a kill: {sorted(lost)[:5]}")
        server.start()
    # The PBX re-sends whatever it did not get an answer for; each is stored once.
    for pbx_id in sent:
        if pbx_id not in acked:
            status, body = server.request(
                f"/v1/mailboxes/{extension}/voicemails?pbxMessageId={pbx_id}&caller=%2B441865270000",
                audio, pbx, content_type="audio/wav",
            )
            if status not in (200, 201):
                raise SystemExit(f"re-send of {pbx_id} answered {status}: {body[:200]}")
    server.stop()
    counts = db.rows("SELECT pbx_message_id, COUNT(*) FROM voicemail WHERE pbx_message_id LIKE 'crash-%' GROUP BY pbx_message_id")
    if len(counts) != len(sent) or any(int(n) != 1 for _, n in counts):
        raise SystemExit(f"expected {len(sent)} voicemails stored once each, found {len(counts)}")
    return len(acked), len(sent)


def fsck(server, *extra):
    out = subprocess.run(server.args("storage", "fsck", *extra), capture_output=True, text=True)
    return out.returncode, (out.stdout + out.stderr).strip()


def movable_sets(server, admin):
    """Movement sets with nobody blocked, from `movementSets`."""
    sets, after = [], None
    while True:
        page = server.graphql(
            "query($after: String) { movementSets(first: 100, after: $after) { nodes { memberIds blockedMemberIds tranches { id } } pageInfo { hasNextPage endCursor } } }",
            {"after": after}, admin,
        )["movementSets"]
        sets += [n["memberIds"] for n in page["nodes"] if not n["blockedMemberIds"] and not n["tranches"]]
        if not page["pageInfo"]["hasNextPage"]:
            return sets
        after = page["pageInfo"]["endCursor"]


def prepare_tranche(server, admin, number, sets):
    """Licences, a tranche holding `sets`, frozen: ready to execute. Returns its id."""
    people = [p for members in sets for p in members]
    server.graphql(
        "mutation($c: Int!) { setLicencePoolCapacity(input: { capacity: $c }) { userErrors { code message } } }",
        {"c": 100_000}, admin,
    )
    results = server.graphql(
        "mutation($ids: [ID!]!) { assignTeamsLicences(input: { personIds: $ids }) { results { personId outcome } userErrors { code message } } }",
        {"ids": people}, admin,
    )["assignTeamsLicences"]
    licensed = {r["personId"] for r in results["results"] if r["outcome"] in ("ASSIGNED", "ALREADY_ASSIGNED")}
    sets = [m for m in sets if all(p in licensed for p in m)]
    people = [p for members in sets for p in members]
    move_date = (time.strftime("%Y-%m-%d", time.gmtime(time.time() + 60 * 86400)))
    created = server.graphql(
        "mutation($n: Int!, $d: NaiveDate!) { createTranche(input: { number: $n, name: \"Crash test\", cohort: DEPARTMENTAL, moveDate: $d, capacity: 5000 }) { tranche { id version } userErrors { code message } } }",
        {"n": number, "d": move_date}, admin,
    )["createTranche"]
    if created["userErrors"]:
        raise SystemExit(f"createTranche: {created['userErrors']}")
    tranche = created["tranche"]["id"]
    placed = server.graphql(
        "mutation($t: ID!, $ids: [ID!]!) { assignToTranche(input: { trancheId: $t, personIds: $ids }) { tranche { version memberCount } userErrors { code message } } }",
        {"t": tranche, "ids": people}, admin,
    )["assignToTranche"]
    if placed["userErrors"]:
        raise SystemExit(f"assignToTranche: {placed['userErrors']}")
    frozen = server.graphql(
        "mutation($id: ID!, $v: Int!) { updateTranche(input: { id: $id, state: FROZEN, expectedVersion: $v }) { userErrors { code message } } }",
        {"id": tranche, "v": placed["tranche"]["version"]}, admin,
    )["updateTranche"]
    if frozen["userErrors"]:
        raise SystemExit(f"freezing: {frozen['userErrors']}")
    return tranche, len(sets), placed["tranche"]["memberCount"]


def tranche_rounds(server, db, kills_per_tranche, rng):
    admin = server.token("demo-admin")
    sets = movable_sets(server, admin)
    if len(sets) < 4:
        raise SystemExit(f"the demo has only {len(sets)} movable sets")
    halves = [sets[: len(sets) // 2], sets[len(sets) // 2:]]
    kills = 0
    for number, chosen in zip((91, 92), halves):
        tranche, set_count, people = prepare_tranche(server, admin, number, chosen)
        execute = json.dumps({
            "query": "mutation($id: ID!) { executeTranche(input: { trancheId: $id }) { userErrors { code } } }",
            "variables": {"id": tranche},
        }).encode()

        def run_move():
            try:
                server.request("/graphql", execute, admin, timeout=120)
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass  # killed under it

        mover = threading.Thread(target=run_move)
        mover.start()
        progress = []
        for k in range(kills_per_tranche):
            # The first kill lands in the request, the next ones in the move resumed at start.
            time.sleep(rng.uniform(0.01, 0.3))
            server.kill()
            kills += 1
            mover.join()
            check_moves_whole(db, f"during tranche {number} (kill {k + 1})")
            moved = db.rows(
                "SELECT SUM(CASE WHEN p.platform = 'TEAMS' THEN 1 ELSE 0 END), COUNT(*) FROM tranche t"
                " JOIN tranche_member m ON m.tranche_id = t.id JOIN person p ON p.id = m.person_id"
                f" WHERE t.number = {number}"
            )[0]
            progress.append(f"{moved[0]}/{moved[1]}")
            # The restart resumes the move by itself; the next kill lands while it does.
            server.start()
        # The last restart finishes on its own.
        deadline = time.time() + 120
        while True:
            state = server.graphql(
                "query($id: ID!) { tranche(id: $id) { state } }", {"id": tranche}, admin
            )["tranche"]["state"]
            if state == "DONE":
                break
            if time.time() > deadline:
                raise SystemExit(f"tranche {number} still {state} after the restart")
            time.sleep(0.2)
        print(f"tranche {number}: {people} people in {set_count} sets moved; killed {kills_per_tranche} times on the way, with {', '.join(progress)} on Teams at the kills", flush=True)
    server.stop()
    check_moves_whole(db, "at the end")
    return kills, len(halves)


def postgres_restart(server, restart_command):
    """Restarts PostgreSQL under a steady load; the server must answer again on its own."""
    user = server.token("demo-user")
    query = json.dumps({"query": "{ me { displayName lines { extension } } }"}).encode()
    stop = threading.Event()
    outcomes = []

    def load():
        while not stop.is_set():
            try:
                status, body = server.request("/graphql", query, user, timeout=10)
                outcomes.append((time.time(), status == 200 and b'"errors"' not in body))
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                outcomes.append((time.time(), False))

    workers = [threading.Thread(target=load) for _ in range(4)]
    for w in workers:
        w.start()
    time.sleep(2)
    restarted_at = time.time()
    subprocess.run(restart_command, shell=True, check=True, capture_output=True)
    back_at = time.time()
    time.sleep(5)
    stop.set()
    for w in workers:
        w.join()
    before = [ok for t, ok in outcomes if t < restarted_at]
    failed = sum(1 for t, ok in outcomes if restarted_at <= t and not ok)
    recovered = [t for t, ok in outcomes if t > back_at and ok]
    if not before or not all(before):
        raise SystemExit("requests failed before the restart")
    if not recovered:
        raise SystemExit("the server did not answer again after PostgreSQL came back")
    late_failures = [t for t, ok in outcomes if t > recovered[0] + 1 and not ok]
    if late_failures:
        raise SystemExit(f"{len(late_failures)} requests failed more than 1 s after recovery")
    if server.proc.poll() is not None:
        raise SystemExit("the server exited")
    print(f"postgres restart: {len(outcomes)} requests, {failed} failed while it restarted "
          f"({back_at - restarted_at:.1f} s), answering again {recovered[0] - back_at:.2f} s after; "
          f"no server restart", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary", nargs="?", default="./target/debug/chorus")
    parser.add_argument("--database-url")
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--tranche-kills", type=int, default=3)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--restart-postgres", metavar="COMMAND",
                        help="with --database-url: also restart PostgreSQL under load with COMMAND")
    opts = parser.parse_args()
    rng = random.Random(opts.seed)
    data_dir = tempfile.mkdtemp(prefix="chorus-crash-")
    server = Server(os.path.abspath(opts.binary), data_dir, opts.database_url)
    db = Database(data_dir, opts.database_url)
    ok = False
    try:
        print(f"crash test (seed {opts.seed}) on {'PostgreSQL' if opts.database_url else 'SQLite'}, data in {data_dir}", flush=True)
        server.start(demo=True)
        acked, sent = ingest_rounds(server, db, opts.rounds, rng)
        code, report = fsck(server)
        print(f"fsck after {opts.rounds} kills during ingest: {next((l for l in report.splitlines() if 'blobs checked' in l), report)}", flush=True)
        if "0 rows without blobs" not in report:
            raise SystemExit("a voicemail row lost its audio")
        time.sleep(1.1)
        code, report = fsck(server, "--repair", "--grace", "1s")
        code, report = fsck(server)
        if code != 0:
            raise SystemExit(f"fsck still finds problems after the repair: {report}")
        print(f"ingest: {opts.rounds} kills, {sent} deliveries, {acked} acknowledged before a kill, none lost; "
              f"fsck clean after removing the blobs of killed writes", flush=True)
        server.start()
        kills, tranches = tranche_rounds(server, db, opts.tranche_kills, rng)
        print(f"moves: {kills} kills across {tranches} tranches; no set split, nobody half moved, "
              f"every restart finished its tranche", flush=True)
        if opts.restart_postgres and opts.database_url:
            server.start()
            postgres_restart(server, opts.restart_postgres)
            server.stop()
        ok = True
    finally:
        if server.proc and server.proc.poll() is None:
            server.kill()
        if ok:
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            print(f"kept {data_dir} (server.log inside)", file=sys.stderr)
    print("crash test ok")


if __name__ == "__main__":
    main()

"""Turns the statements one request made into pgbench scripts (the database's ceiling).

    python3 tests/bench/pgbench_script.py CAPTURE REQUESTS --main MAIN.pgb --all ALL.pgb --defines FILE

CAPTURE holds the PostgreSQL log lines of REQUESTS identical requests, as tests/bench/sqlcount.sh
keeps them (SQLCOUNT_CAPTURE) with `log_statement = 'all'`: `LOG:  execute <name>: SQL` or
`LOG:  statement: SQL`, continuation lines starting with a tab, and for bound statements a
`DETAIL:  parameters: $1 = '...', ...` line. The statements of the last request are written
with their parameters as pgbench variables (`:s1p2` is statement 1's `$2`), so that with
`pgbench -M prepared` they are bound parameters as our server sends them and PostgreSQL plans
them the same way: all of them, in order, to ALL (one pgbench transaction = one request's
SQL), and the longest one (the request's main SELECT) to MAIN. FILE receives the `-D name=value`
arguments that define the variables, one per line.
"""

import argparse
import re
import sys

STATEMENT = re.compile(r"LOG:  (?:execute [^:]+|statement): (.*)$")
PARAMETERS = re.compile(r"DETAIL:  parameters: (.*)$")
PARAMETER = re.compile(r"\$(\d+) = ('(?:[^']|'')*'|NULL)")


def statements(lines):
    """(sql, {n: literal}) for each logged statement, in order."""
    out = []
    current = None
    for line in lines:
        m = STATEMENT.search(line)
        if m:
            current = [m.group(1), {}]
            out.append(current)
            continue
        if current is None:
            continue
        if line.startswith("\t"):
            current[0] += "\n" + line[1:]
            continue
        p = PARAMETERS.search(line)
        if p:
            current[1] = {int(n): v for n, v in PARAMETER.findall(p.group(1))}
    return out


def parameterised(index, sql, params):
    """The statement with $n replaced by pgbench variable :s<index>p<n>, and the variables."""
    defines = {}
    for n in sorted(params, reverse=True):
        literal = params[n]
        if literal == "NULL":
            sys.exit(f"statement {index} binds NULL to ${n}: pgbench variables cannot be NULL")
        name = f"s{index}p{n}"
        defines[name] = literal[1:-1].replace("''", "'")
        sql = re.sub(rf"\${n}(?!\d)", lambda _: ":" + name, sql)
    return sql, defines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("capture")
    ap.add_argument("requests", type=int)
    ap.add_argument("--main", required=True)
    ap.add_argument("--all", required=True)
    ap.add_argument("--defines", required=True)
    args = ap.parse_args()
    with open(args.capture, encoding="utf-8", errors="replace") as f:
        found = statements(f.read().splitlines())
    if not found or len(found) % args.requests:
        sys.exit(f"{len(found)} statements for {args.requests} requests: not a whole number each")
    per = len(found) // args.requests
    flat, defines = [], {}
    for index, (sql, params) in enumerate(found[-per:], start=1):
        text, names = parameterised(index, sql.strip().rstrip(";"), params)
        # One statement per line (pgbench ends each at its semicolon), whitespace flattened.
        flat.append(" ".join(text.split()) + ";")
        defines.update(names)
    with open(args.all, "w", encoding="utf-8") as f:
        f.write("\n".join(flat) + "\n")
    with open(args.main, "w", encoding="utf-8") as f:
        f.write(max(flat, key=len) + "\n")
    with open(args.defines, "w", encoding="utf-8") as f:
        f.writelines(f"-D\n{name}={value}\n" for name, value in defines.items())


if __name__ == "__main__":
    main()

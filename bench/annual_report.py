"""Benchmark of the annual report (issue #6, "Speed"): the whole report of a government of 20
units over 10 years of disclosure requests is computed in under 2 seconds.

    .venv/bin/python bench/annual_report.py --database sqlite
    .venv/bin/python bench/annual_report.py --database both --runs 5
    .venv/bin/python bench/annual_report.py --database sqlite --requests 200   # a quick look

For each database it creates a fresh one (SQLite: a file in a temporary folder; PostgreSQL:
``gongkai_bench`` at 127.0.0.1:5432, user ``postgres``, dropped and created with psycopg),
runs the migrations, and builds through the real models:

* the 20 units of ``bench/corpus.py`` and one officer;
* ``--years`` years (default 10, ending last year) × 20 units × ``--requests`` requests a
  unit a year (default 2,000: 400,000 requests). Receipt dates are spread over each year;
  applicants are natural persons (~70%) or organisations of all five types; every channel;
  the personal fields (name, identity number, phone, address) are set on the model and so
  encrypted by ``EncryptedTextField`` as in production;
* a reply letter (issued) for nearly every request, with an outcome from every row of table 三
  (予以公开 most often, every 不予公开 / 无法提供 / 不予处理 / 其他处理 row too, partial
  disclosures with their withheld parts); 5–30 days after receipt for most, up to 500 days for
  a few, so that requests are carried over into the next year (and some over two); ~2% are
  withdrawn (closed without a letter); those whose answer would fall after "today"
  (20 January after the last year) are still open;
* administrative review and litigation cases for ~1% of the requests (all three kinds, every
  result, some still pending), and paid fee notices for ~1%.

Requests, replies, cases and fee notices are written with ``bulk_create`` (every field the
report reads is filled; each row passes through the model's fields, so the encryption is
the real one). Then ``selectors.report_data(year=<last year>, unit=None)`` (the government's
report, computed: every unit, plus the chain to the year before) and the report of one unit
are timed ``--runs`` times each (after one warm-up run), and the median is compared with the
2-second target. ``--profile`` prints a cProfile of one government run.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

TARGET_SECONDS = 2.0
PG = "host=127.0.0.1 port=5432 user=postgres"
PG_DATABASE = "gongkai_bench"


def _python() -> str:
    venv = ROOT / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def _fresh_postgres() -> str:
    import psycopg

    with psycopg.connect(f"{PG} dbname=postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {PG_DATABASE}")
    return f"postgres://postgres@127.0.0.1:5432/{PG_DATABASE}"


# --- The child: builds the data and times the report (Django set up on the bench database) --


def _outcome_weights():
    from gongkai.disclosure_requests.choices import Outcome

    weights = dict.fromkeys(Outcome.values, 1.0)
    weights[Outcome.DISCLOSED] = 45.0
    weights[Outcome.ALREADY_PUBLIC] = 8.0
    weights[Outcome.PARTIAL] = 8.0
    weights[Outcome.UNABLE_NOT_HELD] = 10.0
    weights[Outcome.WITHHELD_THIRD_PARTY] = 3.0
    weights[Outcome.WITHHELD_PROCESS] = 3.0
    weights[Outcome.NOT_PROCESSED_DUPLICATE] = 2.0
    return list(weights), list(weights.values())


def build(years: list[int], per_unit: int, seed: int) -> dict[str, int]:
    """Units, an officer, and the requests of ``years`` with their replies, cases and fees."""
    import corpus
    from django.db import transaction
    from django.utils import timezone

    from gongkai.accounts.models import User
    from gongkai.disclosure_requests.choices import (
        ApplicantKind,
        Channel,
        Delivery,
        FeeMethod,
        IdentityDocumentType,
        OrganisationType,
        Outcome,
        ReplyState,
        ReviewKind,
        ReviewResult,
        Status,
        WantedForm,
    )
    from gongkai.disclosure_requests.models import DisclosureRequest, FeeNotice, Reply, ReviewCase
    from gongkai.units.models import Unit

    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    units = []
    for code, name_zh, name_en, kind, _abbr, _weight in corpus.UNITS:
        unit, _created = Unit.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "kind": kind,
                "is_office": code == "WB",
            },
        )
        units.append(unit)
    officer, _created = User.objects.get_or_create(
        username="bench-officer",
        defaults={"full_name": "基准测试", "email": "bench@example.gov.cn", "is_staff": True},
    )
    outcomes, weights = _outcome_weights()
    organisation_types = list(OrganisationType.values)
    channels = list(Channel.values)
    today = datetime.date(years[-1] + 1, 1, 20)
    tz = timezone.get_current_timezone()
    counts = {"requests": 0, "replies": 0, "withdrawn": 0, "open": 0, "cases": 0, "fees": 0}
    started = time.monotonic()
    for year in years:
        for unit_number, unit in enumerate(units):
            requests: list[DisclosureRequest] = []
            plans = []
            for n in range(per_unit):
                received = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(365))
                draw = rng.random()
                if draw < 0.90:
                    delay = rng.randint(5, 30)
                elif draw < 0.98:
                    delay = rng.randint(31, 90)
                else:
                    delay = rng.randint(200, 500)
                answered = received + datetime.timedelta(days=delay)
                withdrawn = rng.random() < 0.02
                closed = answered <= today
                outcome = (
                    Outcome.OTHER
                    if withdrawn
                    else rng.choices(outcomes, weights)[0]
                    if closed
                    else ""
                )
                person = rng.random() < 0.7
                submitted_at = datetime.datetime.combine(
                    received, datetime.time(9, rng.randrange(60)), tzinfo=tz
                )
                closed_at = (
                    datetime.datetime.combine(answered, datetime.time(15, 0), tzinfo=tz)
                    if closed
                    else None
                )
                requests.append(
                    DisclosureRequest(
                        tracking_number=f"B{year}{unit_number:02d}{n:06d}",
                        query_code_hash="bench",
                        unit=unit,
                        received_by_unit=unit,
                        channel=rng.choice(channels),
                        status=Status.CLOSED if closed else Status.PROCESSING,
                        submitted_at=submitted_at,
                        received_on=received,
                        registered_by=officer,
                        applicant_kind=(
                            ApplicantKind.NATURAL_PERSON if person else ApplicantKind.ORGANISATION
                        ),
                        organisation_type="" if person else rng.choice(organisation_types),
                        applicant_name=f"申请人{n}" if person else f"生态城测试企业{n}有限公司",
                        id_type=(
                            IdentityDocumentType.RESIDENT_ID
                            if person
                            else IdentityDocumentType.CREDIT_CODE
                        ),
                        id_number=f"12010119800101{n % 10000:04d}",
                        applicant_key=f"bench-{n % 5000}",
                        phone=f"138{n:08d}",
                        address="天津市滨海新区中新天津生态城和旭路276号",
                        info_description="申请公开生态城保障性住房分配结果及评分标准。",
                        wanted_form=WantedForm.ELECTRONIC,
                        delivery=Delivery.EMAIL,
                        clock_started_on=received,
                        due_on=received + datetime.timedelta(days=28),
                        outcome=outcome,
                        closed_at=closed_at,
                    )
                )
                plans.append((closed, withdrawn, outcome, answered))
            with transaction.atomic():
                made = DisclosureRequest.objects.bulk_create(requests, batch_size=1000)
                if not all(r.pk for r in made):  # SQLite before 3.35 returns no ids
                    by_number = dict(
                        DisclosureRequest.objects.filter(
                            tracking_number__startswith=f"B{year}{unit_number:02d}"
                        ).values_list("tracking_number", "pk")
                    )
                    for r in made:
                        r.pk = by_number[r.tracking_number]
                replies, cases, fees = [], [], []
                for request, (closed, withdrawn, outcome, answered) in zip(
                    made, plans, strict=True
                ):
                    if closed and not withdrawn:
                        replies.append(
                            Reply(
                                request_id=request.pk,
                                outcome=outcome,
                                information_text="见附件。",
                                reasons="" if outcome == Outcome.DISCLOSED else "依法答复。",
                                withheld_parts=(
                                    [{"part": "第三方个人信息", "ground": "third_party"}]
                                    if outcome == Outcome.PARTIAL
                                    else []
                                ),
                                state=ReplyState.ISSUED,
                                drafted_by=officer,
                                approved_by=officer,
                                approved_at=request.closed_at,
                                issued_on=answered,
                                issued_by=officer,
                                letter_number=f"津生公开〔{answered.year}〕{request.pk}号",
                            )
                        )
                    counts["withdrawn" if withdrawn else "open" if not closed else "replies"] += 1
                    if closed and not withdrawn and rng.random() < 0.01:
                        filed = answered + datetime.timedelta(days=rng.randint(10, 60))
                        if filed <= today:
                            decided = filed + datetime.timedelta(days=rng.randint(30, 200))
                            result = rng.choice(
                                [ReviewResult.UPHELD, ReviewResult.CORRECTED, ReviewResult.OTHER]
                            )
                            cases.append(
                                ReviewCase(
                                    request_id=request.pk,
                                    kind=rng.choice(list(ReviewKind.values)),
                                    received_on=filed,
                                    result=result if decided <= today else ReviewResult.PENDING,
                                    decided_on=decided if decided <= today else None,
                                    recorded_by=officer,
                                )
                            )
                    if closed and not withdrawn and rng.random() < 0.01:
                        issued = request.received_on + datetime.timedelta(days=3)
                        paid = issued + datetime.timedelta(days=rng.randint(1, 14))
                        amount = rng.choice([100, 200, 300])
                        fees.append(
                            FeeNotice(
                                request_id=request.pk,
                                method=FeeMethod.PER_REQUEST,
                                monthly_ordinal=11,
                                amount=amount,
                                issued_on=issued,
                                pay_by=issued + datetime.timedelta(days=20),
                                paid_on=paid,
                                paid_amount=amount,
                                issued_by=officer,
                            )
                        )
                Reply.objects.bulk_create(replies, batch_size=1000)
                ReviewCase.objects.bulk_create(cases, batch_size=1000)
                FeeNotice.objects.bulk_create(fees, batch_size=1000)
            counts["requests"] += len(made)
            counts["cases"] += len(cases)
            counts["fees"] += len(fees)
        rate = counts["requests"] / (time.monotonic() - started)
        print(
            f"  {year}: {counts['requests']:,} requests so far ({rate:,.0f}/s)",
            file=sys.stderr,
            flush=True,
        )
    return counts


def _counts_in_database() -> dict[str, int]:
    """What an earlier run built (``--reuse-data``)."""
    from gongkai.disclosure_requests.choices import Status
    from gongkai.disclosure_requests.models import (
        DisclosureRequest,
        FeeNotice,
        Reply,
        ReviewCase,
    )

    requests = DisclosureRequest.objects.all()
    return {
        "requests": requests.count(),
        "replies": Reply.objects.count(),
        "withdrawn": requests.filter(closed_at__isnull=False, reply__isnull=True).count(),
        "open": requests.exclude(status=Status.CLOSED).count(),
        "cases": ReviewCase.objects.count(),
        "fees": FeeNotice.objects.count(),
    }


def _time(function, runs: int) -> list[float]:
    function()  # warm-up: imports, statement caches, the database's own caches
    times = []
    for _run in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from gongkai.annual_reports import selectors
    from gongkai.units.models import Unit

    last = args.last_year
    years = list(range(last - args.years + 1, last + 1))
    print(
        f"[{args.database}] building {args.years} years × 20 units × {args.requests:,} requests …",
        file=sys.stderr,
        flush=True,
    )
    started = time.monotonic()
    from gongkai.disclosure_requests.models import DisclosureRequest

    if args.reuse_data and DisclosureRequest.objects.exists():
        counts = _counts_in_database()
        print(f"[{args.database}] reusing the data of an earlier run", file=sys.stderr)
    else:
        counts = build(years, args.requests, args.seed)
    build_seconds = time.monotonic() - started
    unit = Unit.objects.get(code="JJJ")
    government = selectors.report_data(year=last, unit=None)
    unit_data = selectors.report_data(year=last, unit=unit)
    figures = {r["key"]: r["cells"]["total"] for r in government["requests_table"]["rows"]}
    print(f"[{args.database}] timing …", file=sys.stderr, flush=True)
    government_times = _time(lambda: selectors.report_data(year=last, unit=None), args.runs)
    unit_times = _time(lambda: selectors.report_data(year=last, unit=unit), args.runs)
    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.enable()
        selectors.report_data(year=last, unit=None)
        profile.disable()
        stats = pstats.Stats(profile, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(25)
        stats.sort_stats("tottime").print_stats(15)
    print(
        json.dumps(
            {
                "database": args.database,
                "counts": counts,
                "build_seconds": build_seconds,
                "government": government_times,
                "unit": unit_times,
                "government_checks": government["checks"]["passed"],
                "unit_checks": unit_data["checks"]["passed"],
                "figures": {
                    k: figures[k]
                    for k in ("new", "carried_over", "results_total", "carried_forward")
                },
                "review_total": sum(
                    g["cells"]["total"] for g in government["review_table"]["groups"]
                ),
                "fees": government["fees_collected"]["amount"],
            }
        )
    )


# --- The parent: one fresh database and one child process per database ----------------------


def run(database: str, args: argparse.Namespace, workdir: Path) -> dict:
    data_dir = workdir / f"data-{database}"
    data_dir.mkdir(parents=True, exist_ok=True)
    if database == "sqlite":
        url = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    elif args.reuse_data:
        url = f"postgres://postgres@127.0.0.1:5432/{PG_DATABASE}"
    else:
        url = _fresh_postgres()
    env = dict(os.environ)
    env.update(
        {
            "GONGKAI_DATA_DIR": str(data_dir),
            "GONGKAI_DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "gongkai.config.settings",
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench")]),
            "GONGKAI_HTTPS": "0",
        }
    )
    if "GONGKAI_PERSONAL_DATA_KEYS" not in env:
        # A key of its own in the environment (crypto.current_keys() would read the key file
        # for every value); kept beside the database, to open it again with --workdir.
        from cryptography.fernet import Fernet

        key_file = data_dir / "personal-data.key"
        if not key_file.exists():
            key_file.write_text(Fernet.generate_key().decode("ascii"), encoding="ascii")
        env["GONGKAI_PERSONAL_DATA_KEYS"] = key_file.read_text(encoding="ascii").strip()
    command = (
        [
            _python(),
            str(Path(__file__).resolve()),
            "--child",
            "--database",
            database,
            "--years",
            str(args.years),
            "--requests",
            str(args.requests),
            "--runs",
            str(args.runs),
            "--last-year",
            str(args.last_year),
            "--seed",
            str(args.seed),
        ]
        + (["--profile"] if args.profile else [])
        + (["--reuse-data"] if args.reuse_data else [])
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        command, env=env, cwd=ROOT, check=False, stdout=subprocess.PIPE, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"[{database}] the benchmark failed with status {result.returncode}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def report(result: dict) -> None:
    counts = result["counts"]
    print(
        f"\n[{result['database']}] {counts['requests']:,} requests "
        f"({counts['replies']:,} answered, {counts['withdrawn']:,} withdrawn, "
        f"{counts['open']:,} open), {counts['cases']:,} review "
        f"and litigation cases, {counts['fees']:,} fees; built in {result['build_seconds']:.0f} s"
    )
    print(
        f"  government figures: {result['figures']}; cases {result['review_total']}; fees "
        f"{result['fees']} yuan; checks passed: government {result['government_checks']}, "
        f"unit {result['unit_checks']}"
    )
    for name in ("government", "unit"):
        times = result[name]
        median = statistics.median(times)
        verdict = "met" if median <= TARGET_SECONDS else "MISSED"
        print(
            f"  report_data({name}): median {median:.2f} s (min {min(times):.2f}, max "
            f"{max(times):.2f}, {len(times)} runs) = {median / TARGET_SECONDS:.2f}× the "
            f"{TARGET_SECONDS:.0f} s target — {verdict}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--requests", type=int, default=2000, help="per unit and year")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--last-year",
        type=int,
        default=datetime.datetime.now(tz=datetime.UTC).year - 1,
        help="the report's year",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile one government run")
    parser.add_argument("--workdir", type=Path, help="keep the databases here")
    parser.add_argument(
        "--reuse-data",
        action="store_true",
        help="with --workdir: time the data an earlier run built instead of building it again",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args)
        return
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="gongkai-bench-ar-"))
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    for database in databases:
        report(run(database, args, workdir))


if __name__ == "__main__":
    main()

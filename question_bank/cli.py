"""``cnnlab bank build``: write a generated bank as JSON."""

import argparse
from pathlib import Path


def register(subparsers) -> None:
    bank = subparsers.add_parser("bank", help="the generated question bank")
    sub = bank.add_subparsers(metavar="ACTION")
    build = sub.add_parser("build", help="generate a bank and write it as JSON")
    build.add_argument("--seed", type=int, default=0)
    build.add_argument("--n", type=int, default=50)
    build.add_argument("--out", required=True, help="the JSON file to write")
    build.set_defaults(func=_build)

    drill = subparsers.add_parser("drill", help="practise exam questions in the terminal")
    drill.add_argument("--bank", help="a bank JSON file from 'cnnlab bank build' "
                                      "(needed when solutions/ is not installed)")
    drill.add_argument("--n", type=int, default=5)
    drill.add_argument("--seed", type=int, default=0)
    drill.add_argument("--outcome", help="only this learning outcome, e.g. LO1")
    drill.add_argument("--progress", default=str(Path.home() / ".cnnlab_drill.json"),
                       help="where per-outcome progress is kept")
    drill.set_defaults(func=_drill)


def _build(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from question_bank.generate import build_bank
    items = [item.to_dict() for item in build_bank(args.n, args.seed)]
    Path(args.out).write_text(json.dumps(items, indent=1))
    print(f"wrote {len(items)} items to {args.out}")
    return 0


def _drill(args: argparse.Namespace) -> int:
    import json

    from question_bank.drill import run_drill
    if args.bank:
        items = json.loads(Path(args.bank).read_text())
    else:
        from question_bank.generate import build_bank
        items = [item.to_dict() for item in build_bank(200, args.seed)]
    if args.outcome:
        items = [item for item in items if item["learning_outcome"] == args.outcome]
        if not items:
            raise SystemExit(f"--outcome: no items for {args.outcome!r}")
    run_drill(items, Path(args.progress), args.n)
    return 0

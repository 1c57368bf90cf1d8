"""Generate the RANS airfoil dataset with Gmsh and OpenFOAM (simpleFoam, Spalart-Allmaras).

Usage (from the repository root; needs OpenFOAM's etc/bashrc and the ``gmsh`` package)::

    .venv/bin/python scripts/make_airfoil_dataset.py --n-cases 120 --workers 1 \\
        --out datasets/airfoil_rans --seed 0 --resume

A rerun with ``--resume`` (the default) skips every case already stored and retries the
failed ones; ``--no-resume`` recomputes everything. ``--summary`` only prints statistics of
an existing dataset. See ``datasets/airfoil_rans/README.md`` for the layout.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    from geonop.data.airfoil.generate import generate_dataset, summarize
    from geonop.data.airfoil.mesher import MeshOptions
    from geonop.data.airfoil.openfoam_case import SolverSettings
    from geonop.errors import GeonopError

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--n-cases", type=int, default=120, help="planned cases (default 120)")
    ap.add_argument("--workers", type=int, default=1, help="parallel processes (default 1)")
    ap.add_argument("--out", type=Path, default=ROOT / "datasets/airfoil_rans",
                    help="output folder (default datasets/airfoil_rans)")
    ap.add_argument("--seed", type=int, default=0, help="plan and split seed (default 0)")
    ap.add_argument("--resume", dest="resume", action="store_true", default=True,
                    help="skip cases already stored (default)")
    ap.add_argument("--no-resume", dest="resume", action="store_false",
                    help="recompute every planned case")
    ap.add_argument("--cases-per-shape", type=int, default=4,
                    help="angles of attack per airfoil shape (default 4)")
    ap.add_argument("--volume-dtype", choices=("float32", "float16"), default="float32",
                    help="storage type of the volume U and p (default float32)")
    ap.add_argument("--max-iter", type=int, default=SolverSettings.max_iter,
                    help=f"SIMPLE iteration cap per case (default {SolverSettings.max_iter})")
    ap.add_argument("--wall-nodes", type=int, default=MeshOptions.wall_nodes,
                    help=f"mesh nodes per airfoil surface (default {MeshOptions.wall_nodes})")
    ap.add_argument("--work-dir", type=Path, default=None,
                    help="folder for the temporary OpenFOAM cases (default: system temp)")
    ap.add_argument("--no-progress", action="store_true", help="no progress bar")
    ap.add_argument("--summary", action="store_true", help="only print dataset statistics")
    args = ap.parse_args(argv)
    try:
        if not args.summary:
            res = generate_dataset(
                args.out, args.n_cases, workers=args.workers, seed=args.seed, resume=args.resume,
                cases_per_shape=args.cases_per_shape,
                mesh_options=MeshOptions(wall_nodes=args.wall_nodes),
                settings=SolverSettings(max_iter=args.max_iter), volume_dtype=args.volume_dtype,
                work_dir=args.work_dir, progress=not args.no_progress)
            print(f"planned {res['planned']}, already stored {res['skipped']}, "
                  f"new {res['ok']}, failed {res['failed']} in {res['seconds']:.0f} s")
            for r in res["records"]:
                if r["status"] != "ok":
                    print(f"  FAILED {r['case_id']} ({r.get('stage')}): "
                          f"{r.get('error', '').strip().splitlines()[-1:]}")
        print(json.dumps(summarize(args.out), indent=1))
    except GeonopError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

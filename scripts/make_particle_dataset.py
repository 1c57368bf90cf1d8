"""Generate a 2D MPM particle dataset (water, sand, jelly, multi-material) with Taichi.

Usage (from the repository root; needs ``pip install 'geonop[particles]'``)::

    .venv/bin/python scripts/make_particle_dataset.py --out datasets/particles_small \\
        --n-train 4 --n-valid 1 --n-test 1 --frames 151 --block-size 0.07 0.12 --seed 0

writes ``{train,valid,test}.npz`` (DeepMind "Learning to Simulate" layout) and
``metadata.json``. A rerun with the same settings resumes an interrupted run, or returns
at once when the dataset is complete; ``--no-resume`` starts over. ``--summary`` only
prints statistics of an existing dataset. See ``datasets/particles_small/README.md``.
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
    from geonop.data.particles.generate import generate_dataset, summarize
    from geonop.data.particles.mpm import SCENE_KINDS, MPMConfig
    from geonop.errors import GeonopError

    defaults = MPMConfig()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--out", type=Path, default=ROOT / "datasets/particles_small",
                    help="output folder (default datasets/particles_small)")
    ap.add_argument("--kinds", nargs="+", default=list(SCENE_KINDS), choices=SCENE_KINDS,
                    help="scene kinds (default: all)")
    ap.add_argument("--n-train", type=int, default=4, help="training trajectories per kind (4)")
    ap.add_argument("--n-valid", type=int, default=1, help="validation trajectories per kind (1)")
    ap.add_argument("--n-test", type=int, default=1, help="test trajectories per kind (1)")
    ap.add_argument("--frames", type=int, default=defaults.num_frames,
                    help=f"frames per trajectory ({defaults.num_frames})")
    ap.add_argument("--frame-dt", type=float, default=defaults.frame_dt,
                    help=f"seconds between frames ({defaults.frame_dt})")
    ap.add_argument("--n-grid", type=int, default=defaults.n_grid,
                    help=f"grid cells per axis ({defaults.n_grid})")
    ap.add_argument("--substeps", type=int, default=defaults.substeps,
                    help="solver steps per frame (0: automatic from the CFL condition)")
    ap.add_argument("--blocks", type=int, nargs=2, default=(1, 3), metavar=("MIN", "MAX"),
                    help="blocks per scene (1 3; multi-material scenes have >= 2)")
    ap.add_argument("--block-size", type=float, nargs=2, default=(0.1, 0.2), metavar=("MIN", "MAX"),
                    help="block side range, box units (0.1 0.2)")
    ap.add_argument("--max-speed", type=float, default=1.0,
                    help="initial velocity components in [-v, v] box units/s (1.0)")
    ap.add_argument("--max-top", type=float, default=None,
                    help="highest block top above the floor, box units (default: anywhere)")
    ap.add_argument("--radius", type=float, default=0.015,
                    help="default_connectivity_radius for metadata.json (0.015)")
    ap.add_argument("--layout", choices=("flat", "gns"), default="flat",
                    help="npz layout: flat (pickle-free, default) or gns (geoelements/gns port)")
    ap.add_argument("--seed", type=int, default=0, help="master seed (0)")
    ap.add_argument("--threads", type=int, default=1,
                    help="Taichi CPU threads (1: bit-for-bit reproducible)")
    ap.add_argument("--resume", dest="resume", action="store_true", default=True,
                    help="keep finished trajectories of an interrupted run (default)")
    ap.add_argument("--no-resume", dest="resume", action="store_false", help="start over")
    ap.add_argument("--no-progress", action="store_true", help="no progress bar")
    ap.add_argument("--summary", action="store_true", help="only print dataset statistics")
    args = ap.parse_args(argv)
    try:
        if args.summary:
            res = summarize(args.out)
        else:
            config = MPMConfig(num_frames=args.frames, frame_dt=args.frame_dt, n_grid=args.n_grid,
                               substeps=args.substeps)
            res = generate_dataset(
                args.out, kinds=args.kinds, n_train=args.n_train, n_valid=args.n_valid,
                n_test=args.n_test, config=config, seed=args.seed, num_blocks=tuple(args.blocks),
                block_size=tuple(args.block_size), max_speed=args.max_speed, max_top=args.max_top,
                connectivity_radius=args.radius, layout=args.layout, threads=args.threads,
                resume=args.resume, progress=not args.no_progress,
            )
    except GeonopError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(res, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

# ruff: noqa: RUF009  (_f builds dataclass fields with their help text)
"""Training configuration: one YAML file for data, model and training, overridable by key.

The file has four parts (see ``docs/training.md`` for every key)::

    seed: 0
    output_dir: runs/field_mlp
    data:     {dataset: MeshDataset, root: ../data/potential_flow, batch_size: 4, args: {...}}
    model:    {name: FieldMLP, args: {hidden_channels: 64}}
    training: {max_steps: 2000, lr: 1.0e-3, scheduler: cosine, warmup_steps: 100, ...}

Values are checked against typed dataclasses: ``"1e-3"`` is a number (YAML would
otherwise read it as a string), an unknown key raises :class:`~geonop.errors.ConfigError`
naming the closest valid key, and a wrong type names the key and what was expected.
``data.args`` and ``model.args`` are passed to the dataset and model constructors, whose
signatures check them. Overrides are ``"key.path=value"`` strings with YAML values
(``training.lr=3e-4``, ``data.args.targets=[pressure]``, ``training.grad_clip=null``).
Relative paths in ``data.root`` and ``data.val_root`` are resolved against the folder
of the config file, so a config and its data can move together.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import yaml

from geonop.errors import ConfigError, MissingFileError


def _f(default: Any = dataclasses.MISSING, *, help: str, choices: Sequence[Any] = (),
       factory: Any = None) -> Any:
    meta = {"help": help, "choices": tuple(choices)}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class EarlyStoppingConfig:
    """Stop when a validation metric has not improved for ``patience`` evaluations."""

    patience: int = _f(0, help="evaluations without improvement before stopping (0: off)")
    metric: str = _f("loss", help="validation metric to watch, e.g. loss, rel_l2/pressure")
    mode: str = _f("min", help="whether lower or higher is better", choices=("min", "max"))
    min_delta: float = _f(0.0, help="smallest change that counts as an improvement")


@dataclass
class TrainingConfig:
    """Optimisation, schedule, evaluation, checkpointing and run-time limits."""

    max_steps: int | None = _f(1000, help="optimizer steps to run (or give epochs)")
    epochs: float | None = _f(None, help="epochs to run; overrides max_steps when set")
    optimizer: str = _f("adamw", help="optimizer", choices=("adam", "adamw", "sgd"))
    lr: float = _f(1e-3, help="peak learning rate")
    weight_decay: float = _f(0.0, help="weight decay (decoupled for adamw)")
    betas: tuple[float, float] = _f((0.9, 0.999), help="Adam betas")
    momentum: float = _f(0.9, help="SGD momentum")
    scheduler: str = _f("cosine", help="learning-rate schedule after warm-up",
                        choices=("constant", "cosine", "step"))
    warmup_steps: int = _f(0, help="linear warm-up steps (lr / warmup_steps, 2 lr / warmup_steps, ..., lr)")
    min_lr: float = _f(0.0, help="final learning rate of the cosine schedule")
    step_size: int = _f(1000, help="steps between decays of the step schedule")
    gamma: float = _f(0.1, help="decay factor of the step schedule")
    grad_clip: float | None = _f(None, help="clip the global gradient norm to this (null: off)")
    grad_accum: int = _f(1, help="micro-batches accumulated per optimizer step")
    amp: str = _f("off", help="mixed precision, CUDA only (ignored on CPU): 'on' picks bf16 "
                  "where supported, else fp16 with loss scaling", choices=("off", "on", "bf16", "fp16"))
    eval_every: int = _f(100, help="steps between validations (0: only at the end)")
    checkpoint_every: int = _f(100, help="steps between checkpoints (0: only at the end)")
    log_every: int = _f(10, help="steps between log lines (CSV, TensorBoard)")
    early_stopping: EarlyStoppingConfig = _f(help="early stopping", factory=EarlyStoppingConfig)
    max_time: float | None = _f(None, help="wall-clock budget of this run in seconds "
                                   "(accepts 90, '90s', '30m', '1h30m', '01:30:00')")
    schedule_clock: str = _f("steps", help="what the learning-rate schedule follows: 'steps' "
                             "(max_steps), or 'time' (the fraction of max_time spent; for fixed "
                             "wall-clock budgets, not bitwise reproducible)", choices=("steps", "time"))
    device: str = _f("auto", help="auto (CUDA if available), cpu, cuda, cuda:1, ...")
    deterministic: bool = _f(True, help="deterministic algorithms (bitwise reproducible on CPU)")
    progress: str = _f("auto", help="progress bar: auto (on a terminal), on, off",
                       choices=("auto", "on", "off"))
    tensorboard: str = _f("auto", help="TensorBoard logs: auto (if installed), on, off",
                          choices=("auto", "on", "off"))
    find_unused_parameters: bool = _f(False, help="DDP option for models that skip parameters")


@dataclass
class DataConfig:
    """Which dataset, how it is split and batched."""

    dataset: str = _f("MeshDataset", help="dataset class: a registered name or 'module:Class'")
    root: str | list[str] | None = _f(None, help="sample files: folder, glob or list "
                                               "(relative to the config file)")
    val_root: str | list[str] | None = _f(None, help="separate validation files; "
                                                   "else val_fraction of root")
    val_fraction: float = _f(0.1, help="fraction of root held out for validation")
    split_seed: int = _f(0, help="seed of the train/validation split")
    batch_size: int = _f(1, help="samples per micro-batch on each process")
    eval_batch_size: int | None = _f(None, help="samples per validation batch (default: "
                                        "batch_size)")
    num_workers: int = _f(0, help="data-loader worker processes")
    stats_samples: int | None = _f(None, help="compute normalisation statistics on at most "
                                      "this many training samples")
    args: dict[str, Any] = _f(help="keyword arguments of the dataset class", factory=dict)
    val_args: dict[str, Any] = _f(help="keyword arguments that differ for the validation "
                                  "dataset (with val_root), e.g. {split: test}", factory=dict)


@dataclass
class ModelConfig:
    """Which model and its constructor arguments."""

    name: str = _f("", help="model class: a registered name or 'module:Class'")
    args: dict[str, Any] = _f(help="constructor arguments; pos_dim, in_channels, out_channels "
                              "and global_channels default to what the data has", factory=dict)


@dataclass
class Config:
    """A complete training run."""

    seed: int = _f(0, help="seed of model initialisation, data order and sampling")
    output_dir: str = _f("runs/geonop", help="checkpoints, logs and the resolved config go here")
    data: DataConfig = _f(help="data", factory=DataConfig)
    model: ModelConfig = _f(help="model", factory=ModelConfig)
    training: TrainingConfig = _f(help="training", factory=TrainingConfig)

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (tuples as lists), e.g. to store in a checkpoint."""
        return _plain(dataclasses.asdict(self))


# -- parsing -------------------------------------------------------------------------------
_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d*)?)\s*h)?\s*(?:(\d+(?:\.\d*)?)\s*m(?:in)?)?\s*"
                       r"(?:(\d+(?:\.\d*)?)\s*s)?\s*$", re.IGNORECASE)


def parse_duration(value: str | float, key: str = "max_time") -> float:
    """Seconds from ``90``, ``"90s"``, ``"30m"``, ``"1.5h"``, ``"1h30m"`` or ``"01:30:00"``."""
    if isinstance(value, bool):
        raise ConfigError(f"{key}: expected a duration, got {value!r}")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        s = str(value).strip()
        try:
            seconds = float(s)
        except ValueError:
            if ":" in s:
                parts = s.split(":")
                try:
                    nums = [float(p) for p in parts]
                except ValueError:
                    raise ConfigError(f"{key}: cannot read duration {value!r}") from None
                seconds = 0.0
                for p in nums:
                    seconds = seconds * 60 + p
            else:
                m = _DURATION.match(s)
                if not m or not any(m.groups()):
                    raise ConfigError(
                        f"{key}: cannot read duration {value!r} (use e.g. 600, '10m', '1h30m')"
                    ) from None
                h, mi, se = (float(g) if g else 0.0 for g in m.groups())
                seconds = h * 3600 + mi * 60 + se
    if seconds <= 0:
        raise ConfigError(f"{key}: duration must be positive, got {value!r}")
    return seconds


def _plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp))
    if tp is type(None):
        return "null"
    if origin is not None:
        return str(tp).replace("typing.", "")
    return getattr(tp, "__name__", str(tp))


def _coerce(value: Any, tp: Any, key: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        options = typing.get_args(tp)
        if value is None or (isinstance(value, str) and value.lower() in ("null", "none", "~")):
            if type(None) in options:
                return None
        errors = []
        for opt in options:
            if opt is type(None):
                continue
            try:
                return _coerce(value, opt, key)
            except ConfigError as exc:
                errors.append(exc)
        if len(errors) == 1:  # Optional[X]: X's own message is the most specific
            raise ConfigError(f"{errors[0]} (or null)")
        raise ConfigError(f"{key}: expected {_type_name(tp)}, got {value!r}")
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{key}: expected a mapping of keys, got {value!r}")
        return _build(tp, value, key)
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "yes", "on", "1"):
            return True
        if isinstance(value, str) and value.lower() in ("false", "no", "off", "0"):
            return False
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise ConfigError(f"{key}: expected true or false, got {value!r}")
    if tp is int:
        if isinstance(value, bool):
            raise ConfigError(f"{key}: expected an integer, got {value!r}")
        if isinstance(value, int):
            return value
        try:
            f = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{key}: expected an integer, got {value!r}") from None
        if not f.is_integer():
            raise ConfigError(f"{key}: expected an integer, got {value!r}")
        return int(f)
    if tp is float:
        if isinstance(value, bool):
            raise ConfigError(f"{key}: expected a number, got {value!r}")
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{key}: expected a number, got {value!r}") from None
    if tp is str:
        if isinstance(value, bool):
            return "on" if value else "off"
        if isinstance(value, (str, int, float)):
            return str(value)
        raise ConfigError(f"{key}: expected a string, got {value!r}")
    if origin is list:
        (item,) = typing.get_args(tp)
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{key}: expected a list, got {value!r}")
        return [_coerce(v, item, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin is tuple:
        items = typing.get_args(tp)
        if not isinstance(value, (list, tuple)) or len(value) != len(items):
            raise ConfigError(f"{key}: expected a list of {len(items)} values, got {value!r}")
        return tuple(_coerce(v, t, f"{key}[{i}]") for i, (v, t) in enumerate(zip(value, items)))
    if origin is dict:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise ConfigError(f"{key}: expected a mapping, got {value!r}")
        return dict(value)
    return value  # pragma: no cover - Any


def _all_keys(cls: type, prefix: str = "") -> list[str]:
    """Every dotted key of ``cls``, sections included."""
    keys = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        full = f"{prefix}{f.name}"
        keys.append(full)
        if dataclasses.is_dataclass(hints[f.name]):
            keys.extend(_all_keys(hints[f.name], full + "."))
    return keys


def _suggest(key: str, prefix: str) -> str:
    """The valid key most similar to ``key`` (a name within section ``prefix``).

    Names are compared by their last component over the whole config, so a key put in
    the wrong section is found too; a match in the same section wins ties.
    """
    best, best_score = "", 0.0
    for cand in _all_keys(Config):
        section, _, leaf = cand.rpartition(".")
        score = difflib.SequenceMatcher(None, key, leaf).ratio()
        if (section + "." if section else "") == prefix:
            score += 0.05
        if score > best_score:
            best, best_score = cand, score
    return best if best_score >= 0.7 else ""


def _build(cls: type, raw: Mapping[str, Any], prefix: str = "") -> Any:
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in raw.items():
        full = f"{prefix}.{key}" if prefix else str(key)
        if key not in fields:
            guess = _suggest(str(key), f"{prefix}." if prefix else "")
            hint = f"; did you mean '{guess}'?" if guess else ""
            raise ConfigError(f"unknown config key '{full}'{hint}")
        if key == "max_time" and cls is TrainingConfig:
            null = value is None or (isinstance(value, str) and value.lower() in ("null", "none"))
            kwargs[key] = None if null else parse_duration(value, full)
            continue
        v = _coerce(value, hints[key], full)
        choices = fields[key].metadata.get("choices")
        if choices and v not in choices:
            close = difflib.get_close_matches(str(v), [str(c) for c in choices], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"{full}: {v!r} is not one of {', '.join(map(str, choices))}{hint}")
        kwargs[key] = v
    return cls(**kwargs)


def parse_value(text: str) -> Any:
    """A command-line value: YAML (numbers, lists, null, true), ``1e-3`` read as a number."""
    try:
        value = yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        return text
    if isinstance(value, str):
        try:
            return float(value) if re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+", value) \
                else value
        except ValueError:  # pragma: no cover
            return value
    return value


def apply_overrides(raw: dict[str, Any], overrides: Sequence[str]) -> dict[str, Any]:
    """Set ``"a.b.c=value"`` overrides in a nested dict (in place; also returned)."""
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"override {item!r} must look like key.path=value")
        key, _, text = item.partition("=")
        key = key.strip()
        if not key or any(not part for part in key.split(".")):
            raise ConfigError(f"override {item!r}: empty key")
        node = raw
        parts = key.split(".")
        for i, part in enumerate(parts[:-1]):
            nxt = node.get(part)
            if nxt is None:
                nxt = node[part] = {}
            if not isinstance(nxt, dict):
                section = ".".join(parts[:i + 1])
                raise ConfigError(f"override {item!r}: '{section}' is a value, not a section")
            node = nxt
        node[parts[-1]] = parse_value(text)
    return raw


def _resolve_paths(raw: dict[str, Any], base: Path) -> None:
    data = raw.get("data")
    if not isinstance(data, dict):
        return
    for key in ("root", "val_root"):
        value = data.get(key)
        if isinstance(value, str):
            data[key] = _resolve(value, base)
        elif isinstance(value, list):
            data[key] = [_resolve(v, base) if isinstance(v, str) else v for v in value]


def _resolve(path: str, base: Path) -> str:
    p = os.path.expanduser(path)
    return p if os.path.isabs(p) else os.path.normpath(os.path.join(base, p))


def config_from_dict(raw: Mapping[str, Any], overrides: Sequence[str] = ()) -> Config:
    """Build a :class:`Config` from a nested dict and ``key=value`` overrides."""
    import copy

    raw = copy.deepcopy(dict(raw))
    apply_overrides(raw, overrides)
    return _build(Config, raw)


def load_config(
    source: str | os.PathLike | Mapping[str, Any] | Config,
    overrides: Sequence[str] = (),
) -> Config:
    """Read a YAML config (or take a dict or :class:`Config`) and apply overrides.

    Parameters
    ----------
    source : path, dict or Config
        The config. Relative ``data.root`` / ``data.val_root`` in a file are resolved
        against the file's folder.
    overrides : sequence of str
        ``"key.path=value"`` items applied on top, e.g. ``["training.lr=3e-4"]``.

    Raises
    ------
    ConfigError
        Unknown key (with the closest valid key), wrong type, malformed YAML.
    MissingFileError
        The file does not exist.
    """
    if isinstance(source, Config):
        return config_from_dict(source.to_dict(), overrides)
    if isinstance(source, Mapping):
        return config_from_dict(source, overrides)
    path = Path(source)
    if not path.is_file():
        raise MissingFileError(path, "config file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the config must be a mapping of keys, got {type(raw).__name__}")
    _resolve_paths(raw, path.resolve().parent)
    try:
        return config_from_dict(raw, overrides)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def dump_config(config: Config) -> str:
    """The config as YAML text."""
    return yaml.safe_dump(config.to_dict(), sort_keys=False)


def config_reference() -> list[tuple[str, str, str, str]]:
    """``(key, type, default, help)`` of every typed key, for documentation."""
    rows = []

    def walk(cls: type, prefix: str) -> None:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            tp = hints[f.name]
            key = f"{prefix}{f.name}"
            if dataclasses.is_dataclass(tp):
                walk(tp, key + ".")
                continue
            if f.default is not dataclasses.MISSING:
                default = f.default
            elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
                default = f.default_factory()  # type: ignore[misc]
            else:  # pragma: no cover
                default = ""
            choices = f.metadata.get("choices")
            help_text = f.metadata.get("help", "")
            if choices:
                help_text += f" ({' | '.join(map(str, choices))})"
            rows.append((key, _type_name(tp), repr(_plain(default)), help_text))

    walk(Config, "")
    return rows

"""Configs: YAML, typed values, key=value overrides, typo suggestions."""

from __future__ import annotations

from pathlib import Path

import pytest

from geonop.errors import ConfigError, MissingFileError
from geonop.train import (
    Config,
    build_model_for,
    config_reference,
    dump_config,
    load_config,
    parse_duration,
)
from geonop.train.config import parse_value

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "configs" / "field_mlp.yaml"


def test_example_config_loads_with_typed_values():
    cfg = load_config(EXAMPLE)
    assert isinstance(cfg, Config)
    assert cfg.training.lr == pytest.approx(3e-3) and isinstance(cfg.training.lr, float)
    assert cfg.training.max_time == 600.0  # "10m"
    assert cfg.model.name == "FieldMLP"
    # data paths are relative to the config file, not to the working directory
    assert Path(cfg.data.root) == EXAMPLE.parent.parent / "data" / "potential_flow"


def test_overrides_set_any_value():
    cfg = load_config(EXAMPLE, ["training.lr=1e-4", "data.batch_size=8",
                                "training.grad_clip=null", "model.args.hidden_channels=32",
                                "data.args.targets=[pressure]", "training.betas=[0.8, 0.9]",
                                "training.early_stopping.patience=3", "seed=5"])
    assert cfg.training.lr == pytest.approx(1e-4)
    assert cfg.data.batch_size == 8
    assert cfg.training.grad_clip is None
    assert cfg.model.args["hidden_channels"] == 32
    assert cfg.data.args["targets"] == ["pressure"]
    assert cfg.training.betas == (0.8, 0.9)
    assert cfg.training.early_stopping.patience == 3
    assert cfg.seed == 5


@pytest.mark.parametrize("override, suggestion", [
    ("training.lrr=0.1", "training.lr"),
    ("training.bacth_size=4", "data.batch_size"),   # right word, wrong section
    ("trainig.lr=0.1", "training"),
    ("training.early_stopping.patiense=2", "training.early_stopping.patience"),
    ("data.val_fration=0.2", "data.val_fraction"),
])
def test_unknown_key_names_the_closest_valid_one(override, suggestion):
    with pytest.raises(ConfigError, match=f"did you mean '{suggestion}'"):
        load_config(EXAMPLE, [override])


def test_unknown_key_in_the_file_names_the_file(tmp_path):
    path = tmp_path / "cfg.yaml"
    path.write_text("training:\n  max_stpes: 10\n")
    with pytest.raises(ConfigError, match=r"cfg\.yaml.*max_stpes.*did you mean 'training.max_steps'"):
        load_config(path)


def test_model_argument_typo_is_caught_with_a_suggestion():
    cfg = load_config(EXAMPLE, ["model.args.hiden_channels=8"])
    with pytest.raises(ConfigError, match="did you mean 'model.args.hidden_channels'"):
        build_model_for(cfg, {"model_args": {"out_channels": 3}})


def test_dataset_argument_typo_is_caught_with_a_suggestion():
    from geonop.train import build_data

    cfg = load_config(EXAMPLE, ["data.args.query_point=8"])
    with pytest.raises(ConfigError, match="did you mean 'data.args.query_points'"):
        build_data(cfg)


@pytest.mark.parametrize("override, message", [
    ("training.lr=fast", "training.lr: expected a number"),
    ("training.max_steps=2.5", "training.max_steps: expected an integer"),
    ("training.optimizer=adamm", "did you mean 'adam'"),
    ("training.deterministic=maybe", "expected true or false"),
    ("training.betas=[0.9]", "list of 2"),
    ("training.max_time=soon", "cannot read duration"),
    ("training=3", "expected a mapping"),
    ("lr", "key.path=value"),
])
def test_bad_values_are_rejected_clearly(override, message):
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace(".", r"\.")):
        load_config(EXAMPLE, [override])


def test_data_sizes_fill_model_arguments_and_contradictions_are_errors():
    cfg = load_config(EXAMPLE)
    spec = {"model_args": {"out_channels": 3, "pos_dim": 2, "in_channels": 1,
                           "global_channels": 3, "not_a_fieldmlp_arg": 1}}
    model = build_model_for(cfg, spec)
    assert (model.out_channels, model.in_channels, model.global_channels) == (3, 1, 3)
    cfg = load_config(EXAMPLE, ["model.args.out_channels=4"])
    with pytest.raises(ConfigError, match="out_channels=4 but the data has 3"):
        build_model_for(cfg, spec)


@pytest.mark.parametrize("text, seconds", [
    (90, 90.0), ("90", 90.0), ("90s", 90.0), ("30m", 1800.0), ("1.5h", 5400.0),
    ("1h30m", 5400.0), ("01:30:00", 5400.0), ("2:00", 120.0),
])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


def test_parse_value_reads_yaml_and_scientific_numbers():
    assert parse_value("1e-3") == pytest.approx(1e-3)
    assert parse_value("[a, b]") == ["a", "b"]
    assert parse_value("null") is None
    assert parse_value("true") is True
    assert parse_value("abc") == "abc"


def test_round_trip_through_yaml(tmp_path):
    cfg = load_config(EXAMPLE, ["training.lr=1e-4"])
    path = tmp_path / "again.yaml"
    path.write_text(dump_config(cfg))
    assert load_config(path).to_dict() == cfg.to_dict()


def test_missing_and_malformed_files(tmp_path):
    with pytest.raises(MissingFileError):
        load_config(tmp_path / "none.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("training: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
    listy = tmp_path / "list.yaml"
    listy.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(listy)


def test_reference_lists_every_key_with_help():
    rows = {r[0]: r for r in config_reference()}
    assert {"training.lr", "training.early_stopping.patience", "data.batch_size",
            "model.name", "seed", "output_dir"} <= rows.keys()
    assert all(r[3] for r in rows.values())

"""Prediction with a trained model on new inputs, at any query points.

The checkpoint says which dataset class turned files into model input and with which
fields (its ``spec``), so a new mesh or point cloud becomes model input the same way;
predictions come back in raw units, split into the named target fields. Point-wise
models (:attr:`GeonopModel.pointwise`) are evaluated in chunks, so millions of query
points fit in bounded memory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union

import numpy as np
import torch
from torch_geometric.data import Data

from geonop.data.base import dataset_class
from geonop.errors import CheckpointError, InvalidArgumentError
from geonop.models.base import GeonopModel
from geonop.train.distributed import resolve_device

PathLike = Union[str, os.PathLike]


def _slice_points(data: Data, start: int, stop: int) -> Data:
    out = Data()
    n = data.num_nodes
    for key, value in data.items():
        if isinstance(value, torch.Tensor) and value.dim() > 0 and value.shape[0] == n \
                and key not in ("u",):
            out[key] = value[start:stop]
        else:
            out[key] = value
    out.num_nodes = stop - start
    return out


@torch.no_grad()
def predict_fields(
    model: GeonopModel,
    inputs: Any,
    query: Any = None,
    params: Mapping[str, Any] | None = None,
    chunk_size: int = 65536,
    device: str | torch.device = "cpu",
    data_description: Mapping[str, Any] | None = None,
) -> dict[str, np.ndarray]:
    """Predicted fields of ``model`` for case ``inputs`` at ``query`` points.

    Parameters
    ----------
    model : GeonopModel
        From :func:`geonop.load` (its ``checkpoint_info`` describes the data).
    inputs : geonop.io.Mesh
        The case: geometry, input fields, parameters in ``meta``.
    query : geonop.io.Mesh or ndarray of shape [M, d], optional
        Where to predict (default: the points of ``inputs``).
    params : dict, optional
        Global inputs overriding ``inputs.meta`` (e.g. ``{"angle": 4.0}``).
    chunk_size : int
        Query points per forward pass for point-wise models.
    device : str or torch.device
    data_description : dict, optional
        ``{"dataset": ..., "spec": ...}``; default: from ``model.checkpoint_info``.

    Returns
    -------
    dict of str to ndarray
        Target name -> array of shape [M] (one channel) or [M, c], float32, raw units.
    """
    desc = data_description or getattr(getattr(model, "checkpoint_info", None), "data", None)
    if not desc or "dataset" not in desc:
        raise InvalidArgumentError(
            "predict_fields: the model does not say how its inputs were built; load it with "
            "geonop.load(checkpoint) or pass data_description"
        )
    if chunk_size < 1:
        raise InvalidArgumentError(f"chunk_size must be >= 1, got {chunk_size}")
    cls = dataset_class(desc["dataset"])
    spec = desc.get("spec") or {}
    data = cls.inference_data(spec, inputs, query, params)
    dev = torch.device(device)
    model = model.to(dev).eval()
    n = int(data.num_nodes)
    if model.pointwise and n > chunk_size:
        parts = [model.predict(_slice_points(data, s, min(n, s + chunk_size)).to(dev)).cpu()
                 for s in range(0, n, chunk_size)]
        pred = torch.cat(parts)
    else:
        pred = model.predict(data.to(dev)).cpu()
    layout = spec.get("targets") or model.output_fields or [["y", pred.shape[-1]]]
    fields: dict[str, np.ndarray] = {}
    start = 0
    for name, channels in layout:
        block = pred[:, start:start + int(channels)].numpy().astype(np.float32)
        start += int(channels)
        fields[name] = block[:, 0] if int(channels) == 1 else block
    return fields


def predict_file(
    checkpoint: PathLike,
    input_path: PathLike,
    output_path: PathLike,
    query_path: PathLike | None = None,
    params: Mapping[str, Any] | None = None,
    chunk_size: int = 65536,
    device: str = "auto",
) -> Path:
    """``geonop predict``: read a case (and query points), predict, write the result.

    The output has the query points (and cells, when the query is a mesh) with the
    predicted fields as point data; it is written atomically in any format
    :func:`geonop.io.write` supports (``.vtu``, ``.vtp``, ``.npz``, ...).
    """
    from geonop.io import Mesh, read, write
    from geonop.train.checkpoint import load

    model = load(checkpoint)
    if not getattr(model, "checkpoint_info", None) or "dataset" not in model.checkpoint_info.data:
        raise CheckpointError(checkpoint, "does not record how its input data was built, so it "
                                          "cannot predict on new files")
    inputs = read(input_path)
    query = read(query_path) if query_path is not None else None
    fields = predict_fields(model, inputs, query, params, chunk_size, resolve_device(device))
    target = query if query is not None else inputs
    point_data = dict(target.point_data)
    point_data.update(fields)
    out = Mesh(points=target.points, cells=target.cells, point_data=point_data,
               meta={k: v for k, v in target.meta.items() if k not in ("source", "format")})
    write(out, output_path)
    return Path(output_path)

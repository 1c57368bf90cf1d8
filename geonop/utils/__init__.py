"""Low-level tensor utilities shared by every layer of geonop (no geonop imports above
:mod:`geonop.errors` and :mod:`geonop.optional`)."""

from geonop.utils.scatter import scatter, scatter_softmax, segment_csr

__all__ = ["scatter", "scatter_softmax", "segment_csr"]

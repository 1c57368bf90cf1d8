import numpy as np
import pytest
import torch

from geonop.errors import InvalidArgumentError
from geonop.movers.fields import FrontField, front_gradient, front_value, random_front_field


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_exact_gradient_and_hessian_match_autograd(seed):
    f = random_front_field(seed)
    x = torch.as_tensor(np.random.default_rng(seed).random((50, 2)), dtype=torch.float64)
    x.requires_grad_(True)
    params = torch.as_tensor(f.params)
    (g,) = torch.autograd.grad(front_value(x, params).sum(), x)
    np.testing.assert_allclose(g.numpy(), f.gradient(x.detach().numpy()), atol=1e-10)
    x.grad = None
    gx = front_gradient(x, params)
    h0 = torch.autograd.grad(gx[:, 0].sum(), x, retain_graph=True)[0]
    h1 = torch.autograd.grad(gx[:, 1].sum(), x)[0]
    np.testing.assert_allclose(torch.stack([h0, h1], 1).numpy(), f.hessian(x.detach().numpy()),
                               atol=1e-8 * max(1.0, float(h0.abs().max())))


def test_widened_fronts_and_validation():
    f = FrontField(np.array([[0.0, 1.0, 0.5, 0.5, 0.0, 0.01]]))
    assert f.widened(0.05).params[0, 5] == 0.05
    assert f.max_gradient_squared() == pytest.approx((1 / 0.01) ** 2, rel=1e-3)
    with pytest.raises(InvalidArgumentError, match="widths"):
        FrontField(np.array([[0.0, 1.0, 0.5, 0.5, 0.0, 0.0]]))

"""Writes notebooks/saliency.ipynb (outputs cleared; the test suite executes it)."""

import nbformat as nbf

cells = [
    nbf.v4.new_markdown_cell(
        "# The saliency map of sequential retrieval\n\n"
        "When memory $k$ of a sequence is retrieved with saliency $Z_k$ it dwells for "
        "$T_k = \\ln Z_k$ and hands over to its successor with saliency\n\n"
        "$$Z_{k+1} = \\kappa\\,(1 - 1/Z_k).$$\n\n"
        "A saliency $Z \\le 1$ means the memory cannot be retrieved: the sequence collapses. "
        "This notebook shows the three regimes, the threshold $\\kappa = 4$, and fits the "
        "gain $\\kappa$ to a target period by gradient descent through the map."
    ),
    nbf.v4.new_code_cell(
        "import jax\nimport jax.numpy as jnp\nimport matplotlib.pyplot as plt\nimport numpy as np\n\n"
        "import jaxhop as jh\nfrom jaxhop import plot, saliency as sal\n\n%matplotlib inline"
    ),
    nbf.v4.new_markdown_cell(
        "## Fixed points and regimes\n\nFor $\\kappa \\ge 4$ the map has fixed points "
        "$Z_\\pm = (\\kappa \\pm \\sqrt{\\kappa^2 - 4\\kappa})/2$; orbits starting above $Z_-$ "
        "converge to $Z_+$ (period $\\ln Z_+$), orbits below collapse. For $\\kappa < 4$ every "
        "orbit collapses."
    ),
    nbf.v4.new_code_cell(
        "for kappa in (4.0, 5.0, 10.0):\n"
        "    z_minus, z_plus = sal.fixed_points(kappa)\n"
        "    print(f'kappa={kappa:5.1f}  Z-={float(z_minus):.6f}  Z+={float(z_plus):.6f}  "
        "period={float(sal.period(kappa)):.6f}')\n\n"
        "cases = [\n"
        "    dict(kappa=5.0, z0=3.0, title='periodic'),\n"
        "    dict(kappa=5.0, z0=1.3, title='collapse'),\n"
        "    dict(kappa=3.5, z0=3.0, title='decay'),\n"
        "]\n"
        "for case in cases:\n"
        "    case['orbit'] = np.asarray(sal.orbit(case['kappa'], case['z0'], 12))\n"
        "    print(case['title'], 'retrievals:', float(sal.collapse_index(case['kappa'], case['z0'])))\n"
        "plot.saliency_orbits(cases)"
    ),
    nbf.v4.new_markdown_cell(
        "## Phase diagram over $(\\kappa, Z_0)$\n\nOne vmapped, jitted sweep counts retrievals "
        "by iterating the map; the closed-form collapse index agrees point by point."
    ),
    nbf.v4.new_code_cell(
        "from jaxhop._demo_saliency import CAP, phase_diagram\n\n"
        "kappas, z0s, count, closed, period, duration = phase_diagram(200, 200)\n"
        "below = count < CAP\n"
        "print('closed form == iteration on', np.mean(closed[below] == count[below]))\n"
        "plot.saliency_phase_diagram(kappas, z0s, count, period, duration, cap=CAP)"
    ),
    nbf.v4.new_markdown_cell(
        "## Gradients through $\\kappa$\n\nEvery smooth quantity is differentiable. "
        "Check $dT_\\infty/d\\kappa$ against a central finite difference:"
    ),
    nbf.v4.new_code_cell(
        "kappa, h = 5.0, 1e-3\n"
        "grad = jax.grad(sal.period)(kappa)\n"
        "fd = (sal.period(kappa + h) - sal.period(kappa - h)) / (2 * h)\n"
        "print(f'autodiff {float(grad):.6f}   finite difference {float(fd):.6f}')\n"
        "assert abs(grad - fd) < 1e-3"
    ),
    nbf.v4.new_markdown_cell(
        "## Fitting $\\kappa$ to a target period\n\n`jh.fit.fit_kappa_to_period` minimises "
        "$(\\ln Z_+(\\kappa) - T)^2$ with optax (L-BFGS by default); any array of targets is "
        "fitted in one vmapped call. The closed form $\\kappa = Z_+^2/(Z_+ - 1)$, "
        "$Z_+ = e^T$, checks the answer."
    ),
    nbf.v4.new_code_cell(
        "result = jh.fit.fit_kappa_to_period(1.5)\n"
        "print('fitted', float(result.kappa), 'closed form', float(sal.kappa_for_period(1.5)),\n"
        "      'steps', int(result.steps))\n"
        "targets = np.linspace(0.8, 3.0, 500)\n"
        "batch = jh.fit.fit_kappa_to_period(targets)\n"
        "print('max relative error over', targets.size, 'targets:',\n"
        "      float(np.max(np.abs(batch.kappa / sal.kappa_for_period(targets) - 1))))\n"
        "fig, axes = plot.new_figure(2)\n"
        "plot.fit_history(result.losses, title='loss, T = 1.5', ax=axes[0])\n"
        "axes[1].plot(targets, batch.kappa, label='fitted')\n"
        "axes[1].plot(targets, sal.kappa_for_period(targets), '--', label='closed form')\n"
        "axes[1].set_xlabel('target period T'); axes[1].set_ylabel('kappa'); axes[1].legend()\n"
        "fig"
    ),
]
nb = nbf.v4.new_notebook(cells=cells)
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nbf.write(nb, "notebooks/saliency.ipynb")

"""Models: pure functions over pandas objects returning frozen result objects.

Submodules: ``convergence``, ``shiftshare``, ``specialisation``, ``inequality``,
``spatial``, ``scenarios``. Import them explicitly (``from levelup.models import
convergence``); they are not imported here so that ``import levelup`` stays fast.
"""

"""Not the levelup package: the folder of a levelup clone (the package is ``levelup/`` inside it).

Python reads this file only when it runs in the folder *above* a clone named ``levelup`` (for
example beside ``../shared``): the clone is then found first as ``import levelup``. Without this
file it would become an empty namespace package that hides the installed one (``ImportError:
cannot import name 'indicator' from 'levelup.data' (unknown location)``). Here the real package
is loaded instead, the installed one if there is one, else the package inside this clone, and
put in this module's place. Nothing else belongs in this file.
"""

import importlib.machinery as _machinery
import importlib.util as _util
import os as _os
import sys as _sys


def _load_real_levelup() -> None:
    here = _os.path.dirname(_os.path.abspath(__file__))
    above = _os.path.dirname(here)
    path = [p for p in _sys.path if _os.path.abspath(p or _os.curdir) != above]  # not this clone folder
    spec = None
    for finder in _sys.meta_path:
        find = getattr(finder, "find_spec", None)
        if find is None:
            continue
        spec = find("levelup", path if finder is _machinery.PathFinder else None)
        if spec is not None and spec.origin not in (None, "namespace") and _os.path.abspath(spec.origin) != \
                _os.path.abspath(__file__):
            break
        spec = None
    if spec is None:  # not installed: the package inside this clone
        init = _os.path.join(here, "levelup", "__init__.py")
        spec = _util.spec_from_file_location("levelup", init, submodule_search_locations=[_os.path.dirname(init)])
    module = _util.module_from_spec(spec)
    _sys.modules["levelup"] = module  # the import statement returns what sys.modules holds
    spec.loader.exec_module(module)


_load_real_levelup()

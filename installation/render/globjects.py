"""Counting the OpenGL objects that really exist in the driver, to prove that nothing leaks.

moderngl 5.13 keeps no registry of live objects: `ctx.objects` and `ctx.gc_mode` only queue
objects that Python garbage-collected for a later `ctx.gc()`, and `Context.release()` frees
nothing but the context. So `count_live_objects` asks the driver itself. It loads the raw
`glIs*` entry points through the loader moderngl already holds (`load_opengl_function`, on
both glcontext's standalone EGL/GLX contexts and moderngl's window `DefaultLoader`) and
calls them with ctypes over every object name that can be in use:

- the ceiling of the scan is a fresh name from the driver (`glGen*`, or `glCreateShader` for
  the program/shader namespace), deleted again at once; on Mesa names only grow, so every
  live name is below it;
- the scan then goes on `gap` names past the ceiling and past every live name it meets, for
  drivers that hand out freed names again and so may give a ceiling below live names.

Limits, all of them GL's own rules:
- It counts names, in the context's whole share group: objects of pyglet or any other
  library sharing the context count too, so compare a count before and after, never with 0.
- A name that was generated but never bound (a query never begun) is not an object yet.
- A deleted texture or buffer still attached to a framebuffer or vertex array frees its name
  at once but its storage only with the container; a program deleted while current stays
  until another program is used. Counts of containers and programs catch these cases.
- On a reusing driver, a live name more than `gap` above every other live name and above the
  fresh name would be missed.
- Call it on the GL thread with the context current, like any moderngl call. It costs about
  one microsecond per name scanned: about 15 ms after a thousand create/release cycles of a
  texture, framebuffer, buffer, program and vertex array on llvmpipe.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Mapping
from typing import Any

import moderngl

_VERTEX_SHADER = 0x8B31
_IsName = Callable[[int], int]

# kind -> (glIs* function, glGen*/glDelete* pair used for the ceiling); programs and shaders
# share one namespace, whose ceiling comes from glCreateShader instead.
_KINDS: dict[str, tuple[str, str | None]] = {
    "buffer": ("glIsBuffer", "Buffers"),
    "texture": ("glIsTexture", "Textures"),
    "framebuffer": ("glIsFramebuffer", "Framebuffers"),
    "renderbuffer": ("glIsRenderbuffer", "Renderbuffers"),
    "vertex_array": ("glIsVertexArray", "VertexArrays"),
    "sampler": ("glIsSampler", "Samplers"),
    "query": ("glIsQuery", "Queries"),
    "program": ("glIsProgram", None),
    "shader": ("glIsShader", None),
}


class RawGL:
    """Raw GL entry points of a moderngl context, for what moderngl cannot tell (state, names).

    Raises RuntimeError when the context exposes no function loader.
    """

    def __init__(self, ctx: moderngl.Context) -> None:
        loader = getattr(getattr(ctx, "mglo", None), "_context", None)
        load = getattr(loader, "load_opengl_function", None)
        if load is None:
            raise RuntimeError(
                "this moderngl context exposes no OpenGL function loader "
                "(expected ctx.mglo._context.load_opengl_function, as in moderngl 5.13)"
            )
        self._load: Callable[[str], int] = load
        self._cache: dict[str, Any] = {}

    def function(self, name: str, restype: Any, *argtypes: Any) -> Any:
        """The GL function `name` as a ctypes callable (loaded once)."""
        if name not in self._cache:
            address = self._load(name)
            if not address:
                raise RuntimeError(f"the OpenGL driver has no function {name}")
            self._cache[name] = ctypes.CFUNCTYPE(restype, *argtypes)(address)
        return self._cache[name]

    def is_enabled(self, capability: int) -> bool:
        """glIsEnabled: moderngl's enable flags are write-only."""
        return bool(self.function("glIsEnabled", ctypes.c_ubyte, ctypes.c_uint)(capability))

    def get_integer(self, pname: int) -> int:
        """glGetIntegerv for a single value."""
        value = ctypes.c_int(0)
        get = self.function("glGetIntegerv", None, ctypes.c_uint, ctypes.POINTER(ctypes.c_int))
        get(pname, ctypes.byref(value))
        return value.value

    def is_name(self, function: str) -> _IsName:
        """A `glIs*` function: nonzero when the name is a live object of that kind."""
        is_name: _IsName = self.function(function, ctypes.c_ubyte, ctypes.c_uint)
        return is_name

    def fresh_name(self, plural: str | None) -> int:
        """A name the driver would hand out next in a namespace; created and deleted at once."""
        if plural is None:
            create = self.function("glCreateShader", ctypes.c_uint, ctypes.c_uint)
            delete = self.function("glDeleteShader", None, ctypes.c_uint)
            name = int(create(_VERTEX_SHADER))
            delete(name)
            return name
        names = (ctypes.c_uint * 1)()
        pair = (None, ctypes.c_int, ctypes.POINTER(ctypes.c_uint))
        self.function(f"glGen{plural}", *pair)(1, names)
        self.function(f"glDelete{plural}", *pair)(1, names)
        return int(names[0])


def count_live_objects(ctx: moderngl.Context, *, gap: int = 256) -> dict[str, int]:
    """How many objects of each kind the driver holds in `ctx`'s share group, by name scan.

    Keys: buffer, texture, framebuffer, renderbuffer, vertex_array, sampler, query, program,
    shader. See the module docstring for how it works and its limits.
    """
    gl = RawGL(ctx)
    counts: dict[str, int] = {}
    for kind, (is_function, plural) in _KINDS.items():
        counts[kind] = scan_names(gl.is_name(is_function), gl.fresh_name(plural), gap)
    return counts


def difference(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    """The kinds whose count changed, with the change (positive: more objects now)."""
    kinds = before.keys() | after.keys()
    changes = {kind: after.get(kind, 0) - before.get(kind, 0) for kind in sorted(kinds)}
    return {kind: change for kind, change in changes.items() if change}


def scan_names(is_name: Callable[[int], int], ceiling: int, gap: int) -> int:
    """How many names from 1 up are live: all below `ceiling`, and `gap` past the last found."""
    count, name, limit = 0, 1, ceiling + gap
    while name <= limit:
        if is_name(name):
            count += 1
            limit = max(limit, name + gap)
        name += 1
    return count


class NewNames:
    """Program and shader names that come to life during a GL call, to delete leftovers.

    moderngl 5.13 leaves the program and the shader of a failed compile alive in the driver,
    owned by no Python object: one of each for every broken save under hot reload, for as
    long as the show runs (the soak test found it). Made just before the call, it notes
    which names in a window above a fresh name are live; `delete_new` deletes those that
    came since. Only the GL thread makes objects, so nothing else can appear in between.
    """

    def __init__(self, ctx: moderngl.Context, gap: int = 64) -> None:
        self._gl = RawGL(ctx)
        self._is_program = self._gl.is_name("glIsProgram")
        self._is_shader = self._gl.is_name("glIsShader")
        self._first = self._gl.fresh_name(None)
        self._gap = gap
        self._before = self._live()

    def delete_new(self) -> int:
        """Delete the programs and shaders made since; returns how many."""
        delete_program = self._gl.function("glDeleteProgram", None, ctypes.c_uint)
        delete_shader = self._gl.function("glDeleteShader", None, ctypes.c_uint)
        new = sorted(self._live() - self._before)
        for name in new:
            (delete_program if self._is_program(name) else delete_shader)(name)
        return len(new)

    def _live(self) -> set[int]:
        names = range(self._first, self._first + self._gap)
        return {name for name in names if self._is_program(name) or self._is_shader(name)}

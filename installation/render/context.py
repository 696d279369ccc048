"""Creating OpenGL contexts: offscreen through EGL, with a message people can act on."""

from __future__ import annotations

import moderngl

from installation.errors import UserError

# The shaders are GLSL 330 core; anything older cannot run them.
REQUIRED_GL = 330


class GLUnavailableError(UserError):
    """No usable OpenGL context could be made."""

    exit_code = 1


def create_offscreen_context() -> moderngl.Context:
    """A standalone context with no window: EGL (Mesa llvmpipe works without a GPU)."""
    try:
        # The installed moderngl stubs type `backend` wrongly (as a dict).
        return moderngl.create_standalone_context(backend="egl", require=REQUIRED_GL)  # type: ignore[arg-type]
    except Exception as exc:  # moderngl/glcontext raise plain Exceptions with driver text
        raise GLUnavailableError(
            f"cannot create an offscreen OpenGL {REQUIRED_GL // 100}.{REQUIRED_GL % 100 // 10} "
            f"context through EGL: {exc}. Install Mesa's EGL and GL drivers "
            "(Debian: libegl1 libgl1-mesa-dri) or run on a machine with a GPU driver."
        ) from None


def describe(ctx: moderngl.Context) -> str:
    """'llvmpipe (LLVM 15.0.6, 256 bits), OpenGL 4.5 (Core Profile) Mesa 22.3.6'."""
    info = ctx.info
    return f"{info['GL_RENDERER']}, OpenGL {info['GL_VERSION']}"

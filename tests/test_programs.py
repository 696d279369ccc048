"""The program library: cache, hot reload that keeps the last good program, and the fallback.

Every test works on a copy of shaders/ in tmp_path, with a few test files added to it.
"""

from __future__ import annotations

import logging
import os
import shutil
import struct
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import moderngl
import numpy as np
import pytest

from installation.render.globjects import count_live_objects, difference
from installation.render.programs import ProgramLibrary
from installation.render.watch import FileWatcher
from installation.resources import shaders_dir

pytestmark = pytest.mark.gl

QUAD = ("passes/test_quad.vert", "scenes/test_a.frag")  # includes lib/test_tint.glsl
PLAIN = ("passes/test_quad.vert", "scenes/test_b.frag")  # includes nothing
TINT = """// test_tint: the colour of the test scene.
#ifndef LIB_TEST_TINT
#define LIB_TEST_TINT
vec3 test_tint() {
    return {colour};
}
#endif
"""
SCENE_B = """#version 330 core
{include}
out vec4 f_colour;
void main() {{ f_colour = vec4({colour}, 1.0); }}
"""
FILES = {
    "passes/test_quad.vert": "#version 330 core\nin vec2 a_position;\n"
    "void main() { gl_Position = vec4(a_position, 0.0, 1.0); }\n",
    "scenes/test_a.frag": '#version 330 core\n#include "lib/test_tint.glsl"\n'
    "out vec4 f_colour;\nvoid main() { f_colour = vec4(test_tint(), 1.0); }\n",
    "scenes/test_b.frag": SCENE_B.format(include="", colour="vec3(1.0, 0.0, 0.0)"),
    "lib/test_tint.glsl": TINT.replace("{colour}", "vec3(0.0, 1.0, 0.0)"),
}
WHITE = "#version 330 core\nout vec4 f_colour;\nvoid main() { f_colour = vec4(1.0); }\n"
GREEN, BLUE, RED = (0, 255, 0), (0, 0, 255), (255, 0, 0)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    tree = tmp_path / "shaders"
    shutil.copytree(shaders_dir(), tree)
    for relative, text in FILES.items():
        write(tree / relative, text)
    return tree


@pytest.fixture
def target(gl_ctx: moderngl.Context) -> Iterator[moderngl.Framebuffer]:
    framebuffer = gl_ctx.simple_framebuffer((16, 16))
    yield framebuffer
    framebuffer.release()


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def tint(root: Path, colour: str) -> None:
    write(root / "lib/test_tint.glsl", TINT.replace("{colour}", colour))


def draw(
    ctx: moderngl.Context, program: moderngl.Program, target: moderngl.Framebuffer
) -> tuple[int, ...]:
    """The mean colour of a full-screen draw with `program`."""
    buffer = ctx.buffer(struct.pack("6f", -1, -1, 3, -1, -1, 3))
    vao = ctx.vertex_array(program, [(buffer, "2f", "a_position")])
    target.use()
    target.clear()
    resolution = program.get("u_resolution", None)
    if isinstance(resolution, moderngl.Uniform):
        resolution.value = (16.0, 16.0)
    vao.render(moderngl.TRIANGLES, vertices=3)
    vao.release()
    buffer.release()
    pixels = np.frombuffer(target.read(components=3), dtype=np.uint8).reshape(-1, 3)
    return tuple(int(v) for v in pixels.mean(axis=0).round())


def wait_for(condition: Callable[[], bool]) -> None:
    """Poll until `condition` holds; bounded, so a broken watcher fails instead of hanging."""
    for _ in range(500):
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError("the condition never held within 500 polls")


def test_a_program_compiles_once_and_is_cached(
    gl_ctx: moderngl.Context, root: Path, target: moderngl.Framebuffer
) -> None:
    with ProgramLibrary(gl_ctx, root) as library:
        program = library.get(*QUAD)
        assert library.get(*QUAD) is program
        assert library.errors == ()
        assert library.live_objects() == 1
        assert draw(gl_ctx, program, target) == GREEN
        assert root.resolve() / "lib/test_tint.glsl" in library.watched_files()


def test_a_broken_lib_keeps_the_last_good_program_and_fixing_it_recovers(
    gl_ctx: moderngl.Context, root: Path, target: moderngl.Framebuffer
) -> None:
    with ProgramLibrary(gl_ctx, root) as library:
        program, generation = library.get(*QUAD), library.generation
        tint(root, "undefined_colour")
        assert library.reload() is False
        assert library.get(*QUAD) is program
        assert library.generation == generation
        assert draw(gl_ctx, program, target) == GREEN  # the show goes on
        (error,) = library.errors
        assert "shaders/lib/test_tint.glsl:5:" in error
        assert "return undefined_colour;" in error  # the offending line, quoted

        tint(root, "vec3(0.0, 0.0, 1.0)")
        assert library.reload() is True
        assert library.generation == generation + 1
        assert library.errors == ()
        assert library.live_objects() == 1  # the old program was released
        assert draw(gl_ctx, library.get(*QUAD), target) == BLUE


def test_a_program_that_never_compiled_shows_the_fallback_not_black(
    gl_ctx: moderngl.Context,
    root: Path,
    target: moderngl.Framebuffer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    tint(root, "undefined_colour")
    with caplog.at_level(logging.ERROR), ProgramLibrary(gl_ctx, root) as library:
        program = library.get(*QUAD)
        assert library.is_fallback(program)
        assert min(draw(gl_ctx, program, target)) >= 0 and max(draw(gl_ctx, program, target)) > 0
        library.get(*QUAD)
        library.reload()
        assert len([r for r in caplog.records if "test_tint.glsl:5:" in r.message]) == 1

        tint(root, "vec3(0.0, 0.0, 1.0)")
        assert library.reload() is True  # the fallback was replaced: rebuild vertex arrays
        assert not library.is_fallback(library.get(*QUAD))
        assert library.errors == ()


def test_a_missing_file_names_itself_and_shows_the_fallback(
    gl_ctx: moderngl.Context, root: Path
) -> None:
    with ProgramLibrary(gl_ctx, root) as library:
        program = library.get("passes/test_quad.vert", "scenes/no_such_scene.frag")
        assert library.is_fallback(program)
        (error,) = library.errors
        assert "scenes/no_such_scene.frag" in error and "no such file" in error


def test_editing_a_lib_file_recompiles_only_the_programs_that_include_it(
    gl_ctx: moderngl.Context, root: Path, target: moderngl.Framebuffer
) -> None:
    with ProgramLibrary(gl_ctx, root) as library:
        including, plain = library.get(*QUAD), library.get(*PLAIN)
        tint(root, "vec3(0.0, 0.0, 1.0)")
        assert library.reload([root / "lib/test_tint.glsl"]) is True
        assert library.get(*QUAD) is not including
        assert library.get(*PLAIN) is plain
        assert draw(gl_ctx, library.get(*QUAD), target) == BLUE


def test_a_burst_of_saves_gives_one_reload(gl_ctx: moderngl.Context, root: Path) -> None:
    """Driven by a fake clock: the count of reloads does not depend on machine speed."""
    now = [0.0]
    with ProgramLibrary(gl_ctx, root) as library:
        library.get(*QUAD)
        watcher = FileWatcher(library.watched_files, settle=0.5, clock=lambda: now[0])
        watcher.check()
        reloads = 0
        lib = root / "lib/test_tint.glsl"
        for step, colour in enumerate(["vec3(0.5)", "vec3(0.25)", "vec3(0.0, 0.0, 1.0)"]):
            tint(root, colour)
            os.utime(lib, ns=(0, lib.stat().st_mtime_ns + step))  # distinct even on coarse clocks
            for _ in range(3):  # frames between the saves
                now[0] += 0.1
                watcher.check()
                reloads += library.reload(watcher.take_changes() or [])
        for _ in range(20):  # then a quiet second
            now[0] += 0.1
            watcher.check()
            reloads += library.reload(watcher.take_changes() or [])
        assert reloads == 1


def test_programs_built_from_two_versions_of_a_file_end_on_the_newest(
    gl_ctx: moderngl.Context, root: Path, target: moderngl.Framebuffer
) -> None:
    """One program compiled before an edit, one after it (a new scene asked for meanwhile)."""
    now = [0.0]
    with ProgramLibrary(gl_ctx, root) as library:
        library.get(*QUAD)
        watcher = FileWatcher(library.watched_files, settle=0.5, clock=lambda: now[0])
        watcher.check()
        tint(root, "vec3(0.0, 0.0, 1.0)")
        variant = library.get(*QUAD, defines={"VARIANT": 1})  # another key, the new text
        assert draw(gl_ctx, variant, target) == BLUE
        for _ in range(10):
            now[0] += 0.1
            watcher.check()
            library.reload(watcher.take_changes() or [])
        assert draw(gl_ctx, library.get(*QUAD), target) == BLUE


def test_the_watcher_recompiles_a_broken_and_then_fixed_file_by_itself(
    gl_ctx: moderngl.Context, root: Path, target: moderngl.Framebuffer
) -> None:
    with ProgramLibrary(gl_ctx, root, watch=True, poll_interval=0.02, settle=0.05) as library:
        program = library.get(*QUAD)
        tint(root, "undefined_colour")
        wait_for(lambda: library.poll() or bool(library.errors))
        assert library.get(*QUAD) is program
        assert "shaders/lib/test_tint.glsl:5:" in library.errors[0]

        tint(root, "vec3(0.0, 0.0, 1.0)")
        wait_for(library.poll)
        assert library.errors == ()
        assert draw(gl_ctx, library.get(*QUAD), target) == BLUE


def test_a_file_newly_included_by_a_reload_is_watched_afterwards(
    gl_ctx: moderngl.Context, root: Path, target: moderngl.Framebuffer
) -> None:
    extra = root / "lib/test_extra.glsl"
    write(extra, "vec3 test_extra() { return vec3(0.0, 1.0, 0.0); }\n")
    with ProgramLibrary(gl_ctx, root, watch=True, poll_interval=0.02, settle=0.05) as library:
        library.get(*PLAIN)
        assert extra.resolve() not in library.watched_files()
        scene = SCENE_B.format(include='#include "lib/test_extra.glsl"', colour="test_extra()")
        write(root / "scenes/test_b.frag", scene)
        wait_for(library.poll)
        assert draw(gl_ctx, library.get(*PLAIN), target) == GREEN
        assert extra.resolve() in library.watched_files()

        write(extra, "vec3 test_extra() { return vec3(1.0, 0.0, 0.0); }\n")
        wait_for(library.poll)
        assert draw(gl_ctx, library.get(*PLAIN), target) == RED


def test_every_shipped_scene_compiles_through_the_library(
    gl_ctx: moderngl.Context, root: Path
) -> None:
    with ProgramLibrary(gl_ctx, root) as library:
        for scene in sorted((root / "scenes").glob("*.frag")):
            library.get("passes/fullscreen.vert", f"scenes/{scene.name}")
        assert library.errors == ()


def test_switching_scenes_a_thousand_times_leaves_the_driver_count_unchanged(
    gl_ctx: moderngl.Context, root: Path, target: moderngl.Framebuffer
) -> None:
    scenes = [QUAD, PLAIN, ("passes/test_quad.vert", "scenes/no_such_scene.frag")]  # + fallback
    buffer = gl_ctx.buffer(struct.pack("6f", -1, -1, 3, -1, -1, 3))
    # A program of the test's own, used last: GL keeps a deleted program while it is current.
    keeper = gl_ctx.program(vertex_shader=FILES["passes/test_quad.vert"], fragment_shader=WHITE)
    keeper_vao = gl_ctx.vertex_array(keeper, [(buffer, "2f", "a_position")])
    target.use()
    keeper_vao.render(moderngl.TRIANGLES, vertices=3)
    before = count_live_objects(gl_ctx)

    library = ProgramLibrary(gl_ctx, root)
    vaos: dict[tuple[int, int], moderngl.VertexArray] = {}  # like the renderer's cache
    settled: dict[str, int] = {}
    for switch in range(1000):
        program = library.get(*scenes[switch % len(scenes)])
        key = (id(program), library.generation)
        if key not in vaos:
            vaos[key] = gl_ctx.vertex_array(program, [(buffer, "2f", "a_position")])
        vaos[key].render(moderngl.TRIANGLES, vertices=3)
        if switch == len(scenes) - 1:  # every scene seen once
            settled = count_live_objects(gl_ctx)
    assert count_live_objects(gl_ctx) == settled
    assert difference(before, settled) == {"program": 3, "shader": 6, "vertex_array": 3}
    assert library.live_objects() == 3  # two scenes and the fallback

    for vao in vaos.values():
        vao.release()
    library.release()
    assert library.live_objects() == 0
    keeper_vao.render(moderngl.TRIANGLES, vertices=3)
    assert difference(before, count_live_objects(gl_ctx)) == {}
    for obj in (keeper_vao, keeper, buffer):
        obj.release()

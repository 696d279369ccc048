"""The driver-level count of live GL objects: it returns to its start, and it sees leaks."""

from __future__ import annotations

import moderngl
import pytest

from installation.render.globjects import count_live_objects, difference, scan_names

VERTEX = (
    "#version 330 core\nin vec2 a_position;\n"
    "void main() { gl_Position = vec4(a_position, 0, 1); }\n"
)
FRAGMENT = "#version 330 core\nout vec4 f_colour;\nvoid main() { f_colour = vec4(1.0); }\n"


@pytest.mark.gl
def test_a_thousand_objects_made_and_released_leave_the_count_where_it_was(
    gl_ctx: moderngl.Context,
) -> None:
    before = count_live_objects(gl_ctx)
    for _ in range(1000):
        texture = gl_ctx.texture((4, 4), 4)
        framebuffer = gl_ctx.framebuffer(color_attachments=[texture])
        buffer = gl_ctx.buffer(reserve=24)
        program = gl_ctx.program(vertex_shader=VERTEX, fragment_shader=FRAGMENT)
        vao = gl_ctx.vertex_array(program, [(buffer, "2f", "a_position")])
        # Containers first: a texture still attached to a framebuffer keeps its storage.
        for obj in (vao, framebuffer, program, buffer, texture):
            obj.release()
    assert difference(before, count_live_objects(gl_ctx)) == {}


@pytest.mark.gl
def test_objects_left_unreleased_are_counted(gl_ctx: moderngl.Context) -> None:
    before = count_live_objects(gl_ctx)
    textures = [gl_ctx.texture((4, 4), 4) for _ in range(10)]
    buffers = [gl_ctx.buffer(reserve=16) for _ in range(5)]
    programs = [gl_ctx.program(vertex_shader=VERTEX, fragment_shader=FRAGMENT) for _ in range(3)]
    leaked = difference(before, count_live_objects(gl_ctx))
    # moderngl keeps both shader objects of a program until the program is released.
    assert leaked == {"texture": 10, "buffer": 5, "program": 3, "shader": 6}

    for released in (textures, buffers, programs):
        for obj in released:
            obj.release()
    assert difference(before, count_live_objects(gl_ctx)) == {}


@pytest.mark.parametrize(
    ("live", "ceiling", "found"),
    [
        ({1, 2, 3}, 4, 3),  # Mesa: names only grow, all live ones lie below a fresh one
        ({1, 200, 450, 700}, 2, 4),  # a driver reusing low names: the scan jumps the holes
        ({1, 600}, 2, 1),  # the documented limit: a live name past the gap is missed
    ],
)
def test_the_name_scan_follows_live_names_past_the_ceiling(
    live: set[int], ceiling: int, found: int
) -> None:
    assert scan_names(lambda name: name in live, ceiling, gap=256) == found


@pytest.mark.gl
def test_a_released_program_that_is_still_current_lives_until_another_is_used(
    gl_ctx: moderngl.Context,
) -> None:
    """GL's own rule, documented in globjects: a count right after such a release is +1."""
    target = gl_ctx.simple_framebuffer((4, 4))
    target.use()
    buffer = gl_ctx.buffer(reserve=24)
    keeper = gl_ctx.program(vertex_shader=VERTEX, fragment_shader=FRAGMENT)
    keeper_vao = gl_ctx.vertex_array(keeper, [(buffer, "2f", "a_position")])
    keeper_vao.render(vertices=3)
    before = count_live_objects(gl_ctx)

    program = gl_ctx.program(vertex_shader=VERTEX, fragment_shader=FRAGMENT)
    vao = gl_ctx.vertex_array(program, [(buffer, "2f", "a_position")])
    vao.render(vertices=3)
    vao.release()
    program.release()
    assert difference(before, count_live_objects(gl_ctx)) == {"program": 1, "shader": 2}
    keeper_vao.render(vertices=3)  # another program in use: the deleted one goes
    assert difference(before, count_live_objects(gl_ctx)) == {}

    for obj in (keeper_vao, keeper, buffer, target):
        obj.release()

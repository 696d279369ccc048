"""Shader include resolution, #line mapping, and readable driver errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import moderngl
import pytest

from installation.render.glsl_errors import (
    ShaderDiagnostic,
    format_diagnostics,
    parse_log,
    split_moderngl_error,
)
from installation.render.shaders import (
    LINE_STRIDE,
    ResolvedShader,
    ShaderCompileError,
    ShaderSourceError,
    compile_program,
    load_shader,
)


def make_tree(tmp_path: Path, files: dict[str, str]) -> Path:
    """A shader root named `shaders/` holding `files` (relative path -> text)."""
    root = tmp_path / "shaders"
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def body(shader: ResolvedShader) -> list[str]:
    """The output lines that came from files: no #version, #define or #line."""
    return [
        line
        for line in shader.text.splitlines()
        if not line.startswith(("#version", "#define", "#line"))
    ]


def numbered_lines(shader: ResolvedShader) -> dict[int, str]:
    """Emulate a GLSL >= 330 compiler: the number each output line reports -> its text."""
    numbering: dict[int, str] = {}
    current = 1
    for line in shader.text.splitlines():
        if line.startswith("#line "):
            current = int(line.split()[1])
            continue
        numbering[current] = line
        current += 1
    return numbering


# --- include resolution (no GL) -------------------------------------------------------


def test_includes_are_inlined_in_order(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path,
        {
            "lib/a.glsl": "float a() { return 1.0; }\n",
            "lib/b.glsl": '#include "lib/a.glsl"\nfloat b() { return a(); }\n',
            "scenes/s.frag": '#version 330\n#include "lib/b.glsl"\nout vec4 c;\n',
        },
    )
    shader = load_shader(root, "scenes/s.frag")
    assert body(shader) == ["float a() { return 1.0; }", "float b() { return a(); }", "out vec4 c;"]
    assert shader.files == ("scenes/s.frag", "lib/b.glsl", "lib/a.glsl")
    assert shader.dependencies == frozenset(
        (root / name).resolve() for name in ("scenes/s.frag", "lib/b.glsl", "lib/a.glsl")
    )


def test_each_file_is_included_once(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path,
        {
            "lib/a.glsl": "float a() { return 1.0; }\n",
            "lib/b.glsl": '#include "lib/a.glsl"\nfloat b() { return a(); }\n',
            # The second spelling is relative to scenes/ but names the same file.
            "scenes/s.frag": '#version 330\n#include "lib/b.glsl"\n#include "../lib/a.glsl"\n',
        },
    )
    shader = load_shader(root, "scenes/s.frag")
    assert body(shader).count("float a() { return 1.0; }") == 1
    assert shader.files.count("lib/a.glsl") == 1


def test_relative_include_from_the_including_file(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path,
        {
            "lib/noise/hash.glsl": "float hash() { return 0.5; }\n",
            "lib/noise/value.glsl": '#include "./hash.glsl"\n',
            "scenes/s.frag": '#version 330\n#include "lib/noise/value.glsl"\n',
        },
    )
    assert load_shader(root, "scenes/s.frag").files[-1] == "lib/noise/hash.glsl"


def test_cycle_names_the_chain(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path,
        {
            "scenes/a.frag": '#version 330\n#include "lib/b.glsl"\n',
            "lib/b.glsl": '// b\n\n#include "scenes/a.frag"\n',
        },
    )
    with pytest.raises(ShaderSourceError) as caught:
        load_shader(root, "scenes/a.frag")
    message = str(caught.value)
    assert "include cycle: scenes/a.frag -> lib/b.glsl -> scenes/a.frag" in message
    assert message.startswith("shaders/lib/b.glsl:3:")


def test_missing_include_names_file_and_line(tmp_path: Path) -> None:
    source = "#version 330\n" + "\n" * 10 + '#include "lib/nope.glsl"\n'
    root = make_tree(tmp_path, {"scenes/a.frag": source})
    with pytest.raises(ShaderSourceError) as caught:
        load_shader(root, "scenes/a.frag")
    assert str(caught.value) == (
        'shaders/scenes/a.frag:12: cannot include "lib/nope.glsl": no such file under shaders/'
    )


@pytest.mark.parametrize(
    "spec", ["../../outside.glsl", "lib/../../outside.glsl", "/etc/hostname", "lib/link.glsl"]
)
def test_include_outside_the_root_is_refused(tmp_path: Path, spec: str) -> None:
    root = make_tree(tmp_path, {"scenes/a.frag": f'#version 330\n#include "{spec}"\n'})
    (tmp_path / "outside.glsl").write_text("float leak;\n")
    # A symlink inside the tree that points out of it is an escape too.
    (root / "lib").mkdir()
    (root / "lib" / "link.glsl").symlink_to(tmp_path / "outside.glsl")
    with pytest.raises(ShaderSourceError, match="resolves outside shaders/") as caught:
        load_shader(root, "scenes/a.frag")
    assert str(caught.value).startswith("shaders/scenes/a.frag:2:")


def test_version_in_an_included_file_is_an_error(tmp_path: Path) -> None:
    root = make_tree(
        tmp_path,
        {
            "lib/v.glsl": "// lib\n#version 330\n",
            "scenes/a.frag": '#version 330\n#include "lib/v.glsl"\n',
        },
    )
    with pytest.raises(ShaderSourceError, match=r"^shaders/lib/v\.glsl:2: #version is only"):
        load_shader(root, "scenes/a.frag")


def test_top_file_without_version_is_an_error(tmp_path: Path) -> None:
    root = make_tree(tmp_path, {"scenes/a.frag": "out vec4 c;\n"})
    with pytest.raises(ShaderSourceError, match=r"scenes/a\.frag:1: .*#version"):
        load_shader(root, "scenes/a.frag")


def test_malformed_include_is_an_error(tmp_path: Path) -> None:
    root = make_tree(tmp_path, {"scenes/a.frag": "#version 330\n#include <lib/a.glsl>\n"})
    with pytest.raises(ShaderSourceError, match=r"scenes/a\.frag:2: malformed #include"):
        load_shader(root, "scenes/a.frag")


def test_version_first_then_defines(tmp_path: Path) -> None:
    root = make_tree(tmp_path, {"scenes/a.frag": "// header\n#version 410 core\nout vec4 c;\n"})
    shader = load_shader(root, "scenes/a.frag", {"COUNT": 8, "SPEED": 0.25, "MODE": "fast"})
    lines = shader.text.splitlines()
    assert lines[0] == "#version 410 core"
    assert lines[1:4] == ["#define COUNT 8", "#define SPEED 0.25", "#define MODE fast"]
    assert lines[4].startswith("#line ")


def test_bad_define_name_is_refused(tmp_path: Path) -> None:
    root = make_tree(tmp_path, {"scenes/a.frag": "#version 330\n"})
    with pytest.raises(ShaderSourceError, match="not a GLSL identifier"):
        load_shader(root, "scenes/a.frag", {"2FAST": 1})


def test_line_directives_map_every_line_back(tmp_path: Path) -> None:
    files = {
        "lib/a.glsl": "// a: one\nfloat a() { return 1.0; }\n",
        "lib/b.glsl": '// b: one\n#include "lib/a.glsl"\nfloat b() { return a(); }\n',
        "scenes/s.frag": (
            '#version 330\n#include "lib/b.glsl"\nout vec4 c;\n#include "lib/a.glsl"\n'
            "void main() { c = vec4(b()); }\n"
        ),
    }
    root = make_tree(tmp_path, files)
    shader = load_shader(root, "scenes/s.frag", {"X": 1})
    checked = 0
    for reported, text in numbered_lines(shader).items():
        if text.startswith(("#version", "#define", "// already included")):
            continue
        place = shader.locate(reported)
        assert place is not None, (reported, text)
        number, line = place
        assert files[shader.files[number]].splitlines()[line - 1] == text
        assert shader.source_line(number, line) == text
        checked += 1
    assert checked == 6


def test_top_file_keeps_its_real_line_numbers(tmp_path: Path) -> None:
    root = make_tree(tmp_path, {"scenes/a.frag": "#version 330\nout vec4 c;\n"})
    assert "#line 2 0" in load_shader(root, "scenes/a.frag").text


def test_before_glsl_330_line_directives_are_one_lower(tmp_path: Path) -> None:
    # GLSL < 3.30 numbers the line after `#line N` as N + 1.
    root = make_tree(tmp_path, {"scenes/a.frag": "#version 150\nout vec4 c;\n"})
    assert "#line 1 0" in load_shader(root, "scenes/a.frag").text


# --- driver log parsing (no GL) -------------------------------------------------------


@pytest.fixture
def two_files(tmp_path: Path) -> ResolvedShader:
    root = make_tree(
        tmp_path,
        {
            "lib/noise.glsl": "\n".join(f"// {n}" for n in range(1, 7)) + "\nfloat n = foo;\n",
            "scenes/s.frag": '#version 330\n#include "lib/noise.glsl"\nout vec4 c;\n',
        },
    )
    return load_shader(root, "scenes/s.frag")


def test_parse_mesa(two_files: ResolvedShader) -> None:
    log = f"0:{LINE_STRIDE + 7}(11): error: `foo' undeclared\n"
    assert parse_log(log, two_files) == [
        ShaderDiagnostic("shaders/lib/noise.glsl", 7, "error: `foo' undeclared", "float n = foo;")
    ]


def test_parse_nvidia(two_files: ResolvedShader) -> None:
    log = (
        f'1({LINE_STRIDE + 7}) : error C1008: undefined variable "foo"\n'
        "0(3) : warning C7533: global variable gl_FragColor is deprecated\n"
    )
    first, second = parse_log(log, two_files)
    assert (first.file, first.line) == ("shaders/lib/noise.glsl", 7)
    assert first.message == 'error C1008: undefined variable "foo"'
    assert (second.file, second.line, second.source_line) == (
        "shaders/scenes/s.frag",
        3,
        "out vec4 c;",
    )


def test_parse_amd_intel(two_files: ResolvedShader) -> None:
    log = (
        f"ERROR: 1:{LINE_STRIDE + 7}: 'foo' : undeclared identifier\n"
        "ERROR: 1 compilation errors.  No code generated.\n"
    )
    first, second = parse_log(log, two_files)
    assert first == ShaderDiagnostic(
        "shaders/lib/noise.glsl", 7, "error: 'foo' : undeclared identifier", "float n = foo;"
    )
    assert second == ShaderDiagnostic(
        None, None, "ERROR: 1 compilation errors.  No code generated.", None
    )


def test_unknown_lines_and_positions_are_kept(two_files: ResolvedShader) -> None:
    log = "something odd happened\n0:99999(1): error: beyond every file\n"
    assert [d.message for d in parse_log(log, two_files)] == [
        "something odd happened",
        "0:99999(1): error: beyond every file",
    ]


def test_format_quotes_the_source_line(two_files: ResolvedShader) -> None:
    log = f"0:{LINE_STRIDE + 7}(11): error: `foo' undeclared\nlinker says hi\n"
    assert format_diagnostics(parse_log(log, two_files)) == (
        "shaders/lib/noise.glsl:7: error: `foo' undeclared\n    float n = foo;\nlinker says hi"
    )


def test_split_moderngl_error() -> None:
    message = "GLSL Compiler failed\n\nvertex_shader\n=============\n0:2(3): error: x\n\n"
    assert split_moderngl_error(message) == ("vertex_shader", "0:2(3): error: x")
    assert split_moderngl_error("invalid framebuffer") is None


# --- real driver ----------------------------------------------------------------------


@pytest.fixture
def ctx() -> Iterator[moderngl.Context]:
    try:
        # moderngl-stubs annotates **settings as dict[str, Any], hence the ignore.
        context = moderngl.create_standalone_context(backend="egl")  # type: ignore[arg-type]
    except Exception as egl_error:  # any failure here means "no GL on this machine"
        try:
            context = moderngl.create_standalone_context()
        except Exception as error:
            pytest.skip(f"no OpenGL context: egl: {egl_error}; default: {error}")
    yield context
    context.release()


VERTEX = "#version {version}\nin vec2 pos;\nvoid main() {{ gl_Position = vec4(pos, 0.0, 1.0); }}\n"


@pytest.mark.gl
@pytest.mark.parametrize("version", ["330", "150", "450"])
def test_driver_error_in_lib_names_lib_file_and_line(
    ctx: moderngl.Context, tmp_path: Path, version: str
) -> None:
    root = make_tree(
        tmp_path,
        {
            "scenes/s.vert": VERTEX.format(version=version),
            "lib/helper.glsl": "// helper\nfloat helper() { return 1.0; }\n",
            # Line 7 uses an undeclared name: a semantic error, for which Mesa reports
            # source string 0 whatever #line said, so only the line number can locate it.
            "lib/broken.glsl": (
                "// broken: a lib with a mistake on line 7\n"
                '#include "lib/helper.glsl"\n\n'
                "float broken(float x) {\n"
                "    float y = x * 2.0;\n"
                "    y += helper();\n"
                "    return y * undeclared_thing;\n"
                "}\n"
            ),
            "scenes/s.frag": (
                f'#version {version}\n#include "lib/broken.glsl"\nout vec4 color;\n'
                "void main() { color = vec4(broken(0.5)); }\n"
            ),
        },
    )
    vertex = load_shader(root, "scenes/s.vert")
    fragment = load_shader(root, "scenes/s.frag", {"QUALITY": 2})
    with pytest.raises(ShaderCompileError) as caught:
        compile_program(ctx, vertex, fragment)
    error = caught.value
    located = [d for d in error.diagnostics if d.file is not None]
    assert located, error.log
    assert (located[0].file, located[0].line) == ("shaders/lib/broken.glsl", 7), error.log
    assert located[0].source_line == "    return y * undeclared_thing;"
    assert "shaders/lib/broken.glsl:7: error:" in str(error)
    assert "\n    return y * undeclared_thing;" in str(error)
    assert error.stage == "fragment_shader"


@pytest.mark.gl
def test_driver_error_after_an_include_names_top_file_line(
    ctx: moderngl.Context, tmp_path: Path
) -> None:
    root = make_tree(
        tmp_path,
        {
            "scenes/s.vert": VERTEX.format(version="330"),
            "lib/ok.glsl": "float ok() { return 1.0; }\n",
            "scenes/s.frag": (
                '#version 330\n#include "lib/ok.glsl"\nout vec4 color;\n'
                "void main() { color = vec4(ok() + missing_value); }\n"
            ),
        },
    )
    with pytest.raises(ShaderCompileError) as caught:
        compile_program(ctx, load_shader(root, "scenes/s.vert"), load_shader(root, "scenes/s.frag"))
    first = next(d for d in caught.value.diagnostics if d.file is not None)
    assert (first.file, first.line) == ("shaders/scenes/s.frag", 4), caught.value.log


@pytest.mark.gl
def test_valid_program_compiles(ctx: moderngl.Context, tmp_path: Path) -> None:
    root = make_tree(
        tmp_path,
        {
            "scenes/s.vert": VERTEX.format(version="330"),
            "lib/tint.glsl": "vec3 tint() { return vec3(TINT); }\n",
            "scenes/s.frag": (
                '#version 330\n#include "lib/tint.glsl"\nout vec4 color;\n'
                "void main() { color = vec4(tint(), 1.0); }\n"
            ),
        },
    )
    vertex = load_shader(root, "scenes/s.vert")
    program = compile_program(ctx, vertex, load_shader(root, "scenes/s.frag", {"TINT": 0.5}))
    program.release()


@pytest.mark.gl
def test_link_error_keeps_driver_lines(ctx: moderngl.Context, tmp_path: Path) -> None:
    root = make_tree(
        tmp_path,
        {
            "scenes/s.vert": VERTEX.format(version="330"),
            "scenes/s.frag": (
                "#version 330\nout vec4 color;\nfloat never_defined();\n"
                "void main() { color = vec4(never_defined()); }\n"
            ),
        },
    )
    with pytest.raises(ShaderCompileError) as caught:
        compile_program(ctx, load_shader(root, "scenes/s.vert"), load_shader(root, "scenes/s.frag"))
    assert caught.value.stage == "Program"
    assert str(caught.value).startswith("program shaders/scenes/s.vert + shaders/scenes/s.frag")

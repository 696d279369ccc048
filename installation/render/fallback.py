"""The picture shown where a scene's shader never compiled: deliberate, never black.

Kept in Python rather than in shaders/ so that no edit under shaders/ can break it.
"""

FALLBACK_VERTEX = """#version 330 core
in vec2 a_position;
out vec2 v_uv;
void main() {
    v_uv = a_position * 0.5 + 0.5;
    gl_Position = vec4(a_position, 0.0, 1.0);
}
"""

# Slowly drifting dim diagonal stripes: visibly "not the artwork", calm enough for a
# room full of people, and lit by the faces so the audience still sees a response.
FALLBACK_FRAGMENT = """#version 330 core
uniform sampler2D u_glow;
uniform vec2 u_resolution;
uniform float u_time;
uniform float u_master_blackout;
in vec2 v_uv;
out vec4 f_colour;
void main() {
    vec2 pixel = v_uv * u_resolution;
    float stripe = step(0.5, fract((pixel.x + pixel.y + u_time * 20.0) / 64.0));
    vec3 base = mix(vec3(0.06, 0.02, 0.08), vec3(0.12, 0.04, 0.14), stripe);
    vec3 light = texture(u_glow, v_uv).rgb;
    f_colour = vec4((base + light * 0.8) * (1.0 - u_master_blackout), 1.0);
}
"""

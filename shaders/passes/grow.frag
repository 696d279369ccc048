#version 330 core
// One step of a reaction-diffusion (Gray-Scott) simulation: living light that grows from
// the smiles of people with access and recedes where no one feeds it.
// State: r = substance A (the medium), g = substance B (the living pattern).
#include "lib/hash21.glsl"
uniform sampler2D u_state;
uniform sampler2D u_glow;  // a = light of people with access
uniform vec2 u_texel;      // 1 / simulation size
uniform float u_feed_rate; // how strongly access light seeds the pattern
uniform float u_time;

in vec2 v_uv;
out vec4 f_state;

void main() {
    vec2 here = texture(u_state, v_uv).rg;
    // 5-point Laplacian (neighbours 0.25, centre -1): half the reads of a 3x3 kernel, and
    // the pattern looks the same at this resolution.
    vec2 lap = -here;
    lap += 0.25 * texture(u_state, v_uv + vec2(u_texel.x, 0.0)).rg;
    lap += 0.25 * texture(u_state, v_uv - vec2(u_texel.x, 0.0)).rg;
    lap += 0.25 * texture(u_state, v_uv + vec2(0.0, u_texel.y)).rg;
    lap += 0.25 * texture(u_state, v_uv - vec2(0.0, u_texel.y)).rg;

    float lit = clamp(texture(u_glow, v_uv).a, 0.0, 1.0);
    // Coral-like growth where people with access shine; a killing regime in the dark,
    // so the pattern withdraws when the smiles that fed it are gone.
    float feed = mix(0.030, 0.0545, lit);
    float kill = mix(0.075, 0.062, lit);
    float a = here.r;
    float b = here.g;
    float reaction = a * b * b;
    a += 1.0 * lap.x - reaction + feed * (1.0 - a);
    b += 0.5 * lap.y + reaction - (kill + feed) * b;
    // Seeds fall on scattered cells only, so the pattern grows as coral, not as a flood.
    float scatter = step(0.985, hash21(floor(v_uv / u_texel) + floor(u_time * 7.0)));
    b += lit * u_feed_rate * scatter * 0.5;
    f_state = vec4(clamp(a, 0.0, 1.0), clamp(b, 0.0, 1.0), 0.0, 1.0);
}

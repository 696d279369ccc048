#version 330 core
// One step of the living light: a Gray-Scott reaction-diffusion that grows as coral where
// people with access shine, dies back where no one does, and keeps a fading trail of all
// the light that passed (installation/render/growth.py steps it by show time).
// State: r = A (the medium), g = B (the living pattern), b = B's slow mean (a growing front
// is where B stands above it), a = the trail.
#include "lib/hash21.glsl"
uniform sampler2D u_state;
uniform sampler2D u_glow;   // rgb: all light; a: where people with access feed it
uniform sampler2D u_sea;    // b: hub light / 4; a: inside a hub's reach (0 outside act 4)
uniform vec2 u_texel;       // 1 / grid size
uniform float u_feed_rate;  // how strongly access light seeds the pattern
uniform float u_seed;       // changes every few steps: where seeds fall next
uniform float u_trail_keep; // share of the trail kept per step
uniform float u_mean_keep;  // share of the old mean kept per step

in vec2 v_uv;
out vec4 f_state;

void main() {
    vec4 here = texture(u_state, v_uv);
    // Four bilinear taps on the texel corners each average a 2x2 block; together they weigh
    // the sides 1/6 and the corners 1/12 of a 3x3 neighbourhood. Its finest (checkerboard)
    // mode is damped by 4/3 per unit of diffusion, so D_A = 0.9 stays stable, where the
    // 5-point kernel at D_A = 1 made a checkerboard grow and washed the room grey.
    vec4 around = texture(u_state, v_uv + u_texel * vec2(0.5, 0.5))
                + texture(u_state, v_uv + u_texel * vec2(-0.5, 0.5))
                + texture(u_state, v_uv + u_texel * vec2(0.5, -0.5))
                + texture(u_state, v_uv + u_texel * vec2(-0.5, -0.5));
    vec4 lap = (around - here) / 3.0 - here;

    vec4 glow = texture(u_glow, v_uv);
    vec4 sea = texture(u_sea, v_uv);
    float lit = clamp(glow.a, 0.0, 1.0);
    float hub = clamp(sea.b * 4.0, 0.0, 1.0);
    // Coral where people with access shine or a hub reaches; a killing regime elsewhere, so
    // the pattern withdraws when the light that fed it is gone. The sea's slow current
    // stirs the kill rate a little, so a grown pattern keeps reshaping instead of setting.
    // A smile's halo is fertile; a resting face's (its glow about glow.resting) is not.
    float fertile = max(smoothstep(0.2, 0.6, lit), sea.a * 0.7);
    float feed = mix(0.030, 0.0545, fertile);
    float kill = mix(0.075, 0.062, fertile) + (sea.g - 0.5) * 0.006 * fertile;
    float a = here.r;
    float b = here.g;
    float reaction = a * b * b;
    a += 0.9 * lap.r - reaction + feed * (1.0 - a);
    b += 0.45 * lap.g + reaction - (kill + feed) * b;
    // Seeds fall on a few scattered empty places where the water is fertile, so the pattern
    // grows out of them as coral, not as a flood of spots. A seed is a small disc of cells
    // (a single cell's worth diffuses away before it takes).
    vec2 cell = v_uv / u_texel / 4.0;
    float scatter = step(0.985, hash21(floor(cell) + u_seed * 0.618));
    float disc = clamp(1.0 - 2.4 * length(fract(cell) - 0.5), 0.0, 1.0);
    float seed = fertile * max(smoothstep(0.2, 0.6, lit), hub);
    b += seed * u_feed_rate * scatter * 0.6 * disc * step(b, 0.1);
    b = clamp(b, 0.0, 1.0);

    float mean = mix(b, here.b, u_mean_keep);
    float light = min(dot(glow.rgb, vec3(1.0 / 3.0)), 1.0);
    float trail = max(here.a * u_trail_keep + 0.2 * lap.a, light);
    f_state = vec4(clamp(a, 0.0, 1.0), b, mean, clamp(trail, 0.0, 1.0));
}

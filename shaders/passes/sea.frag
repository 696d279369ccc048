#version 330 core
// The slow part of the plankton sea, at low resolution: the drifting veil and the currents
// that bend it. Sharp sparks are drawn per pixel by the scenes (lib/sparks.glsl).
// Out: r = veil 0..1, g/b = current (flow) 0..1, centred on 0.5.
#include "lib/fbm.glsl"

uniform vec2 u_resolution;  // of the picture, for its aspect ratio
uniform float u_time;
uniform float u_sea_drift;

in vec2 v_uv;
out vec4 f_sea;

void main() {
    vec2 p = vec2(v_uv.x * u_resolution.x / u_resolution.y, v_uv.y);
    float t = u_time * u_sea_drift;
    vec2 flow = vec2(fbm(p * 1.3 + vec2(t * 0.20, 0.0), 3), fbm(p * 1.3 + vec2(5.2, t * 0.17), 3));
    vec2 q = p * 3.0 + (flow - 0.5) * 1.6;
    float veil = smoothstep(0.35, 0.85, fbm(q + vec2(0.0, t * 0.05), 4));
    f_sea = vec4(veil, flow, 1.0);
}

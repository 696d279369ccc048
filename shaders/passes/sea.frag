#version 330 core
// The slow parts of the room, on the growth's grid: the plankton's drifting veil and the
// current that bends it, and act 4's hubs. Sharp detail (motes, the boundary line) is drawn
// per pixel by the output pass.
// Out: r = veil, g = current (0.5 = still), b = hub light / 4, a = inside a hub's reach.
#include "lib/fbm.glsl"

#define MAX_HUBS 8

uniform vec2 u_resolution;      // of the picture, for its aspect ratio
uniform vec2 u_sea_loop;        // the sea's drift (see installation/render/showclock.py)
uniform float u_time;
uniform vec3 u_hubs[MAX_HUBS];  // x, y (y up, 0..1), reach in picture widths
uniform int u_hub_count;        // 0 when no act with hubs is on screen

in vec2 v_uv;
out vec4 f_sea;

void main() {
    float aspect = u_resolution.x / u_resolution.y;
    vec2 p = vec2(v_uv.x * aspect, v_uv.y);
    vec2 drift = u_sea_loop * 0.2;
    float flow = fbm(p * 1.3 + drift, 3);
    vec2 q = p * 3.0 + (flow - 0.5) * 1.6;
    float veil = smoothstep(0.35, 0.85, fbm(q + drift.yx * 0.25, 4));

    float reached = 0.0;
    float light = 0.0;
    for (int i = 0; i < MAX_HUBS; ++i) {
        if (i >= u_hub_count) break;
        vec3 hub = u_hubs[i];
        float d = length(vec2(v_uv.x - hub.x, (v_uv.y - hub.y) / aspect));
        // The reach breathes with the current, so its edge is a shore, not a circle.
        float shore = hub.z * (0.85 + 0.3 * flow);
        reached = max(reached, smoothstep(shore, shore * 0.55, d));
        float beat = 0.75 + 0.25 * sin(u_time * 2.0 + float(i) * 1.7);
        light += exp(-d * d * 2500.0) * beat + 0.12 * exp(-d * d * 160.0);
    }
    // Hub light is stored at a quarter so its bright cores fit in 8 bits.
    f_sea = vec4(veil, flow, clamp(light * 0.25, 0.0, 1.0), reached);
}

#version 330 core
// The slow parts of the room, at low resolution: the plankton's drifting veil and the
// current that bends it, plus one act's own slow fields:
//   act 4 (u_hub_count > 0): b = hub light / 4, a = inside a hub's reach;
//   otherwise: b = the boundary's sideways waver (0.5 = none), a = its flicker.
// Sharp detail (sparks, the boundary line itself) is drawn per pixel by the scenes.
#include "lib/fbm.glsl"
#include "lib/value_noise.glsl"

#define MAX_HUBS 8

uniform vec2 u_resolution;  // of the picture, for its aspect ratio
uniform float u_time;
uniform float u_sea_drift;
uniform vec3 u_hubs[MAX_HUBS];  // x, y (y up, 0..1), reach in picture widths
uniform int u_hub_count;        // 0 outside act 4
uniform float u_strain;         // 0..1: how much the boundary wavers and flickers

in vec2 v_uv;
out vec4 f_sea;

void main() {
    float aspect = u_resolution.x / u_resolution.y;
    vec2 p = vec2(v_uv.x * aspect, v_uv.y);
    float t = u_time * u_sea_drift;
    float flow = fbm(p * 1.3 + vec2(t * 0.20, t * 0.17), 3);
    vec2 q = p * 3.0 + (flow - 0.5) * 1.6;
    float veil = smoothstep(0.35, 0.85, fbm(q + vec2(0.0, t * 0.05), 4));

    float reached = 0.0;
    float light = 0.0;
    for (int i = 0; i < MAX_HUBS; ++i) {
        if (i >= u_hub_count) break;
        vec3 hub = u_hubs[i];
        float d = length(vec2(v_uv.x - hub.x, (v_uv.y - hub.y) / aspect));
        reached = max(reached, smoothstep(hub.z, hub.z * 0.75, d));
        float beat = 0.8 + 0.2 * sin(u_time * 2.0 + float(i) * 1.7);
        float ring = (d - hub.z) * 120.0;
        light += exp(-d * d * 4000.0) * beat + 0.15 * exp(-d * d * 300.0) + 0.25 * exp(-ring * ring);
    }
    if (u_hub_count > 0) {
        // Hub light is stored at a quarter so its bright cores fit in 8 bits.
        f_sea = vec4(veil, flow, clamp(light * 0.25, 0.0, 1.0), reached);
        return;
    }
    float waver = (value_noise(vec2(v_uv.y * 9.0, u_time * 3.0)) - 0.5) * u_strain;
    float flicker = mix(1.0, 0.4 + 1.2 * value_noise(vec2(u_time * 23.0, v_uv.y * 40.0)), u_strain);
    f_sea = vec4(veil, flow, 0.5 + waver, flicker * 0.5);
}

#version 330 core
// Act 1, sanctuary: a city lit by smiles. A dark sea of drifting plankton; every face
// is a light in its emotion's colour, and the plankton around it wakes up in that colour.
#include "lib/fbm.glsl"
#include "lib/hash21.glsl"
#include "lib/tonemap_soft.glsl"

uniform sampler2D u_glow;  // summed face light (see passes/face_light.frag)
uniform vec2 u_resolution;
uniform float u_time;
uniform float u_master_brightness;
uniform float u_sea_level;
uniform float u_sea_drift;

in vec2 v_uv;
out vec4 f_colour;

void main() {
    float aspect = u_resolution.x / u_resolution.y;
    vec2 p = vec2(v_uv.x * aspect, v_uv.y);
    float t = u_time * u_sea_drift;

    // The deep: nearly black, a little bluer towards the top like water seen from below.
    vec3 deep = mix(vec3(0.004, 0.008, 0.018), vec3(0.01, 0.03, 0.06), v_uv.y);

    // Slow currents bend the plankton field.
    vec2 flow = vec2(fbm(p * 1.3 + vec2(t * 0.20, 0.0), 3), fbm(p * 1.3 + vec2(5.2, t * 0.17), 3));
    vec2 q = p * 3.0 + (flow - 0.5) * 1.6;
    float cloud = fbm(q + vec2(0.0, t * 0.05), 4);
    float veil = smoothstep(0.35, 0.85, cloud);

    // Sparks: one per small cell, twinkling at its own pace.
    vec2 grid = p * 90.0 + flow * 4.0;
    vec2 cell = floor(grid);
    float chance = hash21(cell);
    vec2 spot = fract(grid) - 0.5 - (vec2(hash21(cell + 3.1), hash21(cell + 7.7)) - 0.5) * 0.6;
    float twinkle = 0.5 + 0.5 * sin(u_time * (1.0 + 3.0 * chance) + chance * 40.0);
    float spark = step(0.86, chance) * exp(-dot(spot, spot) * 60.0) * twinkle;

    vec3 light = texture(u_glow, v_uv).rgb;
    float lit = dot(light, vec3(0.3333));
    vec3 tint = light / max(lit, 1e-4);  // the colour of the nearby faces, unit brightness
    vec3 sea_colour = mix(vec3(0.10, 0.35, 0.45), tint * 0.6, clamp(lit * 2.0, 0.0, 1.0));

    vec3 colour = deep;
    colour += sea_colour * veil * 0.12 * u_sea_level;
    // Plankton wake up near a glowing face: sparks and veil brighten in its colour.
    colour += sea_colour * spark * (0.35 * u_sea_level + 2.5 * lit);
    colour += light * (0.85 + 0.6 * veil);

    f_colour = vec4(tonemap_soft(colour) * u_master_brightness, 1.0);
}

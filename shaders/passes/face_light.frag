#version 330 core
// The light of one face: a soft, living halo in the face's colour, and a bright
// crescent where the teeth glow when the person smiles. Drawn additively.
#include "lib/fbm.glsl"
#include "lib/smile_arc.glsl"

uniform float u_time;
uniform float u_glow_intensity;

in vec2 v_local;
in vec4 v_light;
in vec4 v_colour;
in float v_seed;

out vec4 f_light;

void main() {
    float glow = v_light.w;
    float reach = v_light.z;
    float face = v_colour.a;  // face height in screen heights
    float r = length(v_local);
    if (r >= 1.0) discard;

    // Tendrils: the halo's edge wanders with slow noise around the angle, so each
    // glow looks grown rather than drawn with a compass.
    float angle = atan(v_local.y, v_local.x);
    vec2 around = vec2(cos(angle), sin(angle)) * 2.3 + v_seed * 13.0;
    float wander = fbm(around + vec2(u_time * 0.13, -u_time * 0.09), 3);
    float edge = r * (0.8 + 0.35 * wander);
    // A wide soft halo plus a tighter core, so the light has a heart and a reach.
    float halo = (0.7 * exp(-edge * edge * 5.0) + 0.5 * exp(-r * r * 18.0))
               * (1.0 - smoothstep(0.8, 1.0, r));
    float breathe = 0.9 + 0.1 * sin(u_time * 1.3 + v_seed * 6.283);

    // The crescent lives in face units: reach units scaled by reach / half the face height.
    vec2 in_face = v_local * (reach / max(face * 0.5, 1e-3));
    float teeth = smile_arc(in_face, glow);

    vec3 light = v_colour.rgb * (halo * glow * breathe + teeth * 1.6 * glow);
    f_light = vec4(light * u_glow_intensity, 1.0);
}

#version 330 core
// The light of one face: a soft, living halo in the face's colour, and a bright
// crescent where the teeth glow when the person smiles. Drawn additively.
// Alpha carries where people with access may feed the living light (passes/grow.frag).
#include "lib/fbm.glsl"
#include "lib/value_noise.glsl"
#include "lib/smile_arc.glsl"

uniform float u_time;  // wrapped; u_loop drifts (installation/render/showclock.py)
uniform vec2 u_loop;
uniform float u_glow_intensity;

in vec2 v_local;
in vec4 v_light;
in vec4 v_colour;
in vec4 v_shape;

out vec4 f_light;

void main() {
    float glow = v_light.w;
    float reach = v_light.z;
    float face = v_shape.x;  // face height in screen heights
    float seed = v_shape.y;
    float smile = v_shape.z;
    float access = v_colour.a;
    float r = length(v_local);
    if (r >= 1.0) discard;

    // Tendrils: the halo's edge wanders with slow noise around the angle, so each
    // glow looks grown rather than drawn with a compass.
    float angle = atan(v_local.y, v_local.x);
    vec2 around = vec2(cos(angle), sin(angle)) * 2.3 + seed * 13.0;
    float wander = fbm(around + u_loop * 0.13, 2);
    float edge = r * (0.8 + 0.35 * wander);
    // A wide soft halo plus a tighter core, so the light has a heart and a reach.
    float halo = (0.7 * exp(-edge * edge * 5.0) + 0.5 * exp(-r * r * 18.0))
               * (1.0 - smoothstep(0.8, 1.0, r));
    float breathe = 0.9 + 0.1 * sin(u_time * 1.3 + seed * 6.283);

    // The crescent lives in face units: reach units scaled by reach / half the face height.
    vec2 in_face = v_local * (reach / max(face * 0.5, 1e-3));
    float teeth = smile_arc(in_face, smile) * glow;

    float amount = halo * glow * breathe + teeth * 1.6;
    // Light held back is a grey presence, seen but not shining: its halo is broken up by
    // a slow static instead of breathing.
    float held = 1.0 - access;
    if (held > 0.01) {
        float grain = value_noise(v_local * 9.0 + seed * 31.0 + u_loop * 0.5);
        amount *= 1.0 - held * 0.4 * (1.0 - grain);
    }
    // Alpha: where this person's light may feed the living light: all of their halo, as
    // strongly as they glow, with the same wandering edge.
    float fertile = glow * access * (1.0 - smoothstep(0.55, 0.95, edge));
    f_light = vec4(v_colour.rgb * amount * u_glow_intensity, fertile);
}

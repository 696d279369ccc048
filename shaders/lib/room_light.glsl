// room_light: the light every act starts from, without the faces' own light: the dark
// water, its faint veil, the wakes of light that passed, and the living light.
// in:  uv      0..1 across the picture
//      near    light of faces, strands and their bloom here (linear RGB)
//      growth  the living light's state (passes/grow.frag: medium, pattern, mean, trail)
//      sea     the sea pass (veil, current, hub light, reach)
//      water   the colour of the sea's own glow
//      level   brightness of the plankton sea (sea.level)
//      living  strength of the living light (1 = as designed)
// The living light takes the colour of the light around it and is brightest where the
// pattern is growing and near the people who feed it, so it reads as emitted light with
// a moving edge, never as a flat cut-out.
// Needs sea_depths.
#ifndef LIB_ROOM_LIGHT
#define LIB_ROOM_LIGHT

#include "lib/sea_depths.glsl"

vec3 room_light(vec2 uv, vec3 near, vec4 growth, vec4 sea, vec3 water, float level, float living) {
    float bright = dot(near, vec3(1.0 / 3.0));
    // The colour of the light around at unit brightness; where there is hardly any, the
    // water's own, so faint light never turns white or ends in a hard edge.
    float w = dot(water, vec3(1.0 / 3.0));
    vec3 tint = (near + 0.05 * water) / (bright + 0.05 * w);
    float nearness = bright / (bright + 0.12);

    float density = smoothstep(0.12, 0.45, growth.g);
    // The pattern's rim (where it crosses a middle density) burns as a fine filament.
    float rim = (growth.g - 0.2) / 0.05;
    rim = exp(-rim * rim);
    float front = clamp((growth.g - growth.b) * 10.0, 0.0, 1.0);
    float wake = max(growth.a - bright, 0.0);

    vec3 colour = sea_depths(uv);
    colour += water * sea.r * 0.05 * level;
    colour += tint * wake * 0.10;
    colour += tint * (0.05 * density + 0.3 * rim + 0.5 * front) * (0.25 + 0.75 * nearness) * living;
    return colour;
}

#endif

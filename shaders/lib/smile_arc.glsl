// smile_arc: brightness of a glowing smile-shaped crescent (the nanobots in the teeth).
// in:  p      position in face units (0,0 = face centre, y up, face height = 2)
//      smile  0..1; the crescent widens and brightens as the smile grows
// out: 0..1 brightness
#ifndef LIB_SMILE_ARC
#define LIB_SMILE_ARC

float smile_arc(vec2 p, float smile) {
    // A circle's lower rim, centred above the mouth: a crescent that curves up at the ends.
    vec2 centre = vec2(0.0, -0.05);
    float radius = 0.42;
    float rim = abs(length(p - centre) - radius);
    float lower = smoothstep(-0.28, -0.42, p.y - centre.y);
    float width = mix(0.18, 0.36, smile);
    float across = 1.0 - smoothstep(width * 0.6, width, abs(p.x));
    float line = exp(-rim * rim / 0.0012);
    return line * lower * across * smoothstep(0.1, 0.6, smile);
}

#endif

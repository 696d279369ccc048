// wall_at: where the boundary stands at a height of the picture, and how bright it burns.
// in:  y  0..1 up the picture
// out: vec2(x of the line in picture widths, brightness of its light, 1 = steady)
// The profile is made once a frame (installation/render/wall.py): bent by the excluded
// crowd's press, wavering under strain. Declares the uniform it reads.
#ifndef LIB_WALL
#define LIB_WALL

#define WALL_ROWS 48
uniform vec2 u_wall[WALL_ROWS];

vec2 wall_at(float y) {
    float f = clamp(y, 0.0, 1.0) * float(WALL_ROWS - 1);
    int i = min(int(f), WALL_ROWS - 2);
    return mix(u_wall[i], u_wall[i + 1], f - float(i));
}

#endif

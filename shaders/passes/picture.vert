#version 330 core
// The picture as one quad, pinned at the keystone corners. Writing the homography's third
// coordinate into w lets the rasteriser do the projective mapping, with perspective-correct
// v_uv, at no cost per pixel; outside the quad the projector shows the cleared black.
uniform mat3 u_keystone;  // picture uv -> output uv (both y up)

in vec2 a_position;  // 0..1 corners of the picture
out vec2 v_uv;

void main() {
    vec3 pinned = u_keystone * vec3(a_position, 1.0);
    // Clip space: x_ndc = 2 * (x / w) - 1, so clip x = 2x - w, with w carried through.
    gl_Position = vec4(2.0 * pinned.xy - pinned.z, 0.0, pinned.z);
    v_uv = a_position;
}

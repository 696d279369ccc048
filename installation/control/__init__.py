"""OSC control: the receive loop, feedback, the cue list, OSCQuery and controller layouts.

Everything here derives from the parameter catalogue. Network threads only validate and
put typed events on the frame loop's queue; nothing here touches GL.
"""

"""One parsed OSC message to its effect: validated parameter changes, cues, ping.

Runs on the receiver's thread and does no I/O except the pong reply; the show only ever
sees typed `ParamChange` events, handed over through the event gate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from installation.control.cues import CuePlayer, CueRefused, cue_events
from installation.control.datagram import Message, encode_string
from installation.control.gate import EventGate
from installation.control.handlers import ROUTE_HANDLERS, Context, Outcome
from installation.control.routes import Namespace
from installation.control.state import ControlState
from installation.control.stats import OscCounters, RateLimitedLog
from installation.control.values import Refused
from installation.events import ParamChange
from installation.params import Catalogue

log = logging.getLogger("installation.osc")

Address = tuple[str, int]
Reply = Callable[[bytes, Address], None]


class Dispatcher:
    """Applies messages; every refusal is counted by reason and logged (rate-limited)."""

    def __init__(
        self,
        catalogue: Catalogue,
        namespace: Namespace,
        state: ControlState,
        gate: EventGate,
        cues: CuePlayer,
        counters: OscCounters,
        now: Callable[[], float],
        reply: Reply,
        problems: RateLimitedLog | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.namespace = namespace
        self.state = state
        self.gate = gate
        self.cues = cues
        self.counters = counters
        self.now = now
        self.reply = reply
        self.problems = problems or RateLimitedLog(log)
        self.context = Context(catalogue, state, cues, now)

    def handle(self, message: Message, sender: Address) -> None:
        """Apply one message from `sender`; never raises for anything the sender controls.

        Every message takes one road: lookup -> its route's handler (arguments to changes)
        -> the event gate -> the control state.
        """
        self.counters.count_message()
        routes = self.namespace.matching(message.address)
        if not routes:
            self.refuse(
                "unknown_address",
                f"OSC from {_who(sender)}: no such address {message.address[:80]!r}; "
                "`installation params` lists them",
            )
            return
        # A pattern (`/nova/glow/*`) reaches every address it matches, each on its own:
        # one that refuses the value does not stop the others.
        applied = False
        for route in routes:
            try:
                outcome = ROUTE_HANDLERS[route.kind](self.context, route, message.args)
                if outcome.pong:
                    # The ping's own type tags and argument bytes: nil, doubles and timetags
                    # come back as they went, so a controller can match replies and time
                    # round trips.
                    self.reply(encode_string(self.namespace.pong_address) + message.typed, sender)
                self._apply(outcome, sender)
            except (Refused, CueRefused) as exc:
                self.refuse(exc.reason, f"OSC from {_who(sender)}: {exc}")
                continue
            applied = applied or outcome.applied
        if applied:
            self.counters.count_applied()

    def refuse(self, reason: str, message: str) -> None:
        self.counters.reject(reason)
        self.problems.warning(reason, message)

    def _apply(self, outcome: Outcome, sender: Address) -> None:
        now = self.now()
        origin = f"osc {_who(sender)}"
        for change in outcome.changes:
            # The sender is the change's origin: feedback does not echo it back there.
            event = ParamChange(now, change.name, change.value, origin, change.ramp)
            self._hand_over(event, sender)
        if outcome.cue is not None:
            cue = outcome.cue
            for event in cue_events(cue, self.catalogue, now):
                self._hand_over(event, None)  # a cue's changes go back to every controller
            self.state.set_cue(cue.number, cue.name)
            log.info("cue %d (%s)", cue.number, cue.name)

    def _hand_over(self, change: ParamChange, sender: Address | None) -> None:
        if not self.gate.put(change):
            raise Refused("overload", "overloaded: the frame loop is not draining events")
        self.state.set(change.name, change.value, sender)


def _who(sender: Address) -> str:
    host, port = sender[0], sender[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

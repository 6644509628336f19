"""The /cvss modal: live re-scoring on every change, the pasted vector, the advanced step
and the submission.

The modal's state travels in private_metadata; each block_actions payload also carries what
the person sees in `view.state.values`, which is applied on top, so an update that lost a
race (fast clicking) is repaired by the next one. Updates of one view are serialised here and
an event older than one already shown is dropped; a `hash_conflict` (another replica, or
Slack's own edit) is retried once without the hash, with the latest choices.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from types import MappingProxyType
from typing import Any, cast

from slack_bolt import Ack, BoltContext

from bot.incident import scores as incident_scores
from bot.incident import service as incidents
from bot.scoring.engine import ScoreResult
from bot.services import Services
from bot.slack import scores
from bot.slack.blocks.cvss import (
    ACTION_VECTOR,
    ACTION_VERSION,
    CALLBACK_ADVANCED,
    CALLBACK_MODAL,
    CvssState,
    advanced_view,
    from_metadata,
    metric_key,
    modal_view,
    state_from_vector,
    submit_errors,
    vector_block_id,
)
from bot.slack.gateway import SlackError
from bot.slack.middleware import asker_of, services_of
from bot.slack.modals import open_form

log = logging.getLogger(__name__)

RENDERERS: dict[str, Callable[[CvssState], dict[str, Any]]] = {
    CALLBACK_MODAL: modal_view,
    CALLBACK_ADVANCED: advanced_view,
}


def current_state(view: dict[str, Any]) -> CvssState:
    """The view's state: its metadata, then every choice the person can see."""
    state = from_metadata(view.get("private_metadata") or "")
    values = (view.get("state") or {}).get("values") or {}
    return state.with_view_values(values)


def opening_state(
    services: Services, incident_id: int, channel: str, vector: str | None
) -> CvssState:
    """The modal for an incident: the given vector, else the incident's, else empty."""
    with services.db.transaction() as session:
        incident = incidents.get(session, incident_id)
        stored = incident.cvss_vector if incident else None
    return state_from_vector(
        vector or stored,
        services.settings.cvss_default_version,
        incident=str(incident_id),
        channel=channel,
    )


def open_modal(services: Services, trigger_id: str, state: CvssState) -> str | None:
    """Open the modal; the problem in words when Slack would not."""
    return open_form(services, trigger_id, modal_view(state), "try again")


class ViewUpdates:
    """One update at a time per view, and never an older event over a newer one."""

    STRIPES = 64
    REMEMBERED = 4096

    def __init__(self, services: Services) -> None:
        self.services = services
        self._locks = [threading.Lock() for _ in range(self.STRIPES)]
        self._guard = threading.Lock()
        self._latest: OrderedDict[str, str] = OrderedDict()

    def apply(self, body: dict[str, Any], change: Callable[[CvssState], CvssState]) -> None:
        view = body["view"]
        render = RENDERERS.get(view.get("callback_id", ""))
        if render is None:
            return
        action_ts = str(body["actions"][0].get("action_ts") or "")
        with self._locks[hash(view["id"]) % self.STRIPES]:
            if not self._is_newest(view["id"], action_ts):
                return  # a later event, which carries this choice too, is already shown
            state = change(current_state(view))
            self._update(view, render(state))

    def _is_newest(self, view_id: str, action_ts: str) -> bool:
        with self._guard:
            seen = self._latest.get(view_id)
            if seen is not None and action_ts and float(action_ts) < float(seen):
                return False
            self._latest[view_id] = action_ts or seen or ""
            self._latest.move_to_end(view_id)
            while len(self._latest) > self.REMEMBERED:
                self._latest.popitem(last=False)
            return True

    def _update(self, view: dict[str, Any], rendered: dict[str, Any]) -> None:
        gateway = self.services.gateway
        try:
            gateway.update_view(view["id"], rendered, view.get("hash"))
        except SlackError as exc:
            if exc.error != "hash_conflict":
                log.warning("could not update the CVSS modal: %s", exc.error)
                return
            # Someone else changed the view since this payload: ours carries every choice
            # the person sees, so it goes in over the other one.
            try:
                gateway.update_view(view["id"], rendered)
            except SlackError as again:
                log.warning("could not update the CVSS modal after a conflict: %s", again.error)


def _updates(context: BoltContext) -> ViewUpdates:
    return cast(ViewUpdates, context["view_updates"])


def metric_changed(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    action = body["actions"][0]
    key = metric_key(action["action_id"])
    option = action.get("selected_option") or {}
    _updates(context).apply(body, lambda state: state.with_metric(key or "", option.get("value")))


def version_changed(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    version = (body["actions"][0].get("selected_option") or {}).get("value") or ""
    _updates(context).apply(body, lambda state: state.with_version(version))


def vector_pasted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    text = body["actions"][0].get("value") or ""
    _updates(context).apply(body, lambda state: state.with_vector(text))


def open_advanced(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    view = body["view"]
    state = current_state(view)
    root = view.get("root_view_id") or view["id"]
    state = replace(state, context=MappingProxyType({**state.context, "root": root}))
    try:
        services_of(context).gateway.push_view(body["trigger_id"], advanced_view(state))
    except SlackError as exc:
        log.warning("could not push the advanced CVSS metrics: %s", exc.error)


def advanced_done(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    ack()  # back to the main view, which shows the new scores once updated
    state = current_state(view)
    root = state.context.get("root")
    if not root:
        return
    try:
        services_of(context).gateway.update_view(root, modal_view(state))
    except SlackError as exc:
        log.warning("could not return the advanced metrics to the modal: %s", exc.error)


def submit_score(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
    services, user = services_of(context), asker_of(context)
    state = current_state(view)
    first_block = f"{ACTION_VERSION}:{state.revision}"
    typed = _typed_vector(view, state)
    if typed:
        pasted = state.with_vector(typed)
        if pasted.error:
            ack(response_action="errors", errors={vector_block_id(state): pasted.error})
            return
        state = pasted
    errors = submit_errors(state)
    outcome = state.outcome()
    if errors or not isinstance(outcome, ScoreResult):
        ack(response_action="errors", errors=errors)
        return
    incident_id = int(state.context.get("incident") or 0)
    try:
        recorded = scores.record(services, incident_id, outcome, user, incident_scores.VIA_MODAL)
    except incident_scores.ScoringRefused as refusal:
        ack(response_action="errors", errors={first_block: str(refusal)})
        return
    # A database outage propagates: the app's error handler keeps the form open with it.
    ack()
    scores.show(services, recorded)


def _typed_vector(view: dict[str, Any], state: CvssState) -> str:
    """A vector typed in the box but not sent with Enter counts on submit."""
    values = (view.get("state") or {}).get("values") or {}
    element = (values.get(vector_block_id(state)) or {}).get(ACTION_VECTOR) or {}
    return (element.get("value") or "").strip()

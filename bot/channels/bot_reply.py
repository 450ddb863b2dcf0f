"""What the bot said in one turn, gathered from Rasa's collected messages for channels without buttons.

Buttons become numbered choices: shown as a list on WeChat and SMS, spoken as "…请按1" on the phone. The user
answers with the number (or the key), which the channel turns back into the button's payload (choices.py).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.channels.texts import MenuItem, say


@dataclass(frozen=True)
class Choice:
    key: str
    label: str
    payload: str

    @classmethod
    def from_menu(cls, item: MenuItem) -> Choice:
        return cls(item.digit, item.label, item.payload)


@dataclass
class BotReply:
    texts: list[str] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    # The bot's custom payloads, e.g. {"hangup": true} or {"dial": "+86…"} for the phone channel.
    custom: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_messages(cls, messages: list[dict[str, Any]]) -> BotReply:
        reply = cls()
        for message in messages:
            if message.get("text"):
                reply.texts.append(str(message["text"]))
            for button in message.get("buttons") or []:
                key = str(len(reply.choices) + 1)
                payload = str(button.get("payload") or button.get("title", ""))
                reply.choices.append(Choice(key, str(button.get("title", payload)), payload))
            for link in (message.get("image"), message.get("attachment")):
                if link:
                    reply.texts.append(str(link))
            if isinstance(message.get("custom"), dict):
                reply.custom.append(message["custom"])
        return reply

    def to_json(self) -> str:
        """For keeping a reply in the shared store until the platform asks for it."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, kept: str) -> BotReply:
        data = json.loads(kept)
        return cls(data["texts"], [Choice(**choice) for choice in data["choices"]], data["custom"])

    def as_text(self) -> str:
        """Every message of the turn as one text, choices listed at the end."""
        blocks = [part.strip() for part in self.texts if part.strip()]
        if self.choices:
            lines = [say("common.choice_line", digit=c.key, label=c.label) for c in self.choices]
            blocks.append("\n".join([*lines, say("common.choice_hint")]))
        return "\n\n".join(blocks)

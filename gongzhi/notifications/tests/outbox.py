"""A test channel that keeps what it was asked to send."""

from gongzhi.notifications.channels import Channel, NoAddress

SENT = []


class OutboxChannel(Channel):
    def send(self, message):
        if self.options.get("fail"):
            raise ConnectionError("gateway down")
        if self.options.get("needs_email") and not message.email:
            raise NoAddress(message.username)
        SENT.append(message)

"""Ready-made servers for tests, the demo and `python -m bot emulator`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.emulator import permissions as P
from bot.emulator.core import Emulator
from bot.emulator.state import Channel, Guild, Role, User


@dataclass
class StudyGroup:
    """A server as a study group has it: an owner, organisers with Manage Server, members."""

    guild: Guild
    general: Channel
    owner: User
    organisers: Role
    organiser: User
    members: dict[str, User]

    def __getitem__(self, name: str) -> User:
        return self.members[name]


def study_group(
    emu: Emulator, name: str = "Study Group", members: Iterable[str] = ("alice", "bob", "carol")
) -> StudyGroup:
    owner = emu.create_user("owner")
    guild = emu.create_guild(name, owner=owner)
    organisers = emu.create_role(guild, "Organisers", P.MANAGE_GUILD, dispatch=False)
    organiser = emu.add_member(guild, "organiser", roles=[organisers])
    people = {member: emu.add_member(guild, member) for member in members}
    general = emu.channel_named(guild, "general")
    return StudyGroup(guild, general, owner, organisers, organiser, people)

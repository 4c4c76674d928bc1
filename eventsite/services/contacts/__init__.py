"""Networking between guests: the "Who's coming" directory and contact exchange by badge scan.

Everything is opt-in and decided when it is read: a guest is listed in the directory only while
they chose to be, their RSVP is confirmed and the event's directory is on; a badge scan saves a
card only from a confirmed guest of the same event who chose to share. A saved card shows the
contact's name and program, plus whichever of e-mail, phone and profile link the contact shares
*now* (so withdrawing a field withdraws it from everyone's list). Organizers get counts only.

The modules: ``opt_ins`` (the guest's choices, who may network), ``guest_directory``,
``cards`` (saving a card, My contacts, who saved me, the organizer's counts), ``downloads``
(vCard and CSV) and ``followup`` (the week-after e-mail, and deleting a guest's data).
"""

from eventsite.services.contacts.cards import (
    MAX_NOTE,
    EventFigures,
    SavedMe,
    count_saved,
    event_figures,
    find_saved,
    my_contacts,
    preview,
    remove_contact,
    save_contact,
    save_scanned,
    saved_me,
    shares_card,
    update_note,
)
from eventsite.services.contacts.downloads import contacts_csv, vcard, vcard_filename
from eventsite.services.contacts.followup import forget_guest, send_followups
from eventsite.services.contacts.guest_directory import LEVEL_GROUPS, directory, directory_group_counts
from eventsite.services.contacts.opt_ins import can_network, get_profile, update_preferences

__all__ = [
    "LEVEL_GROUPS",
    "MAX_NOTE",
    "EventFigures",
    "SavedMe",
    "can_network",
    "contacts_csv",
    "count_saved",
    "directory",
    "directory_group_counts",
    "event_figures",
    "find_saved",
    "forget_guest",
    "get_profile",
    "my_contacts",
    "preview",
    "remove_contact",
    "save_contact",
    "save_scanned",
    "saved_me",
    "send_followups",
    "shares_card",
    "update_note",
    "update_preferences",
    "vcard",
    "vcard_filename",
]

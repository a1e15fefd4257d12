"""``{% load names %}``: ``{{ user|person }}`` names a person as pages do (:mod:`gongzhi.web.names`)."""

from django import template

from .. import names

register = template.Library()


@register.filter
def person(user):
    return names.person(user)


@register.filter
def place(case):
    return names.place_of(case)

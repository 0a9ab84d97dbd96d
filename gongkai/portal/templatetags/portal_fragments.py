"""``{% fragment "name" var … %}…{% endfragment %}``: a part of a page rendered once and
reused (issue #4 §8, cold pages). For parts that depend only on the active language, the
site settings and the variables named in the tag — the main navigation and the footer of
``portal/base.html``, a dozen ``reverse()`` calls and translations on every page.

The key holds the fragment's name, the values of the variables, the language, the script
prefix, the URL configuration and the site name, so whatever changes these is never served a
stale fragment. Nothing from the database may be rendered inside a fragment.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language

register = template.Library()

_FRAGMENTS: dict[tuple[Any, ...], str] = {}
_MAX_FRAGMENTS = 256


class FragmentNode(template.Node):
    def __init__(self, name: str, nodelist: template.NodeList, variables: list[Any]) -> None:
        self.name = name
        self.nodelist = nodelist
        self.variables = variables

    def render(self, context: template.Context) -> str:
        key = (
            self.name,
            tuple(str(variable.resolve(context)) for variable in self.variables),
            get_language(),
            get_script_prefix(),
            str(get_urlconf() or settings.ROOT_URLCONF),
            str(settings.GONGKAI_SITE_NAME),
        )
        html = _FRAGMENTS.get(key)
        if html is None:
            html = self.nodelist.render(context)
            if len(_FRAGMENTS) >= _MAX_FRAGMENTS:
                _FRAGMENTS.clear()
            _FRAGMENTS[key] = html
        return html


@register.tag("fragment")
def do_fragment(parser: template.base.Parser, token: template.base.Token) -> FragmentNode:
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][-1] != bits[1][0]:
        raise template.TemplateSyntaxError("{% fragment %} needs a quoted name first")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(bits[1][1:-1], nodelist, [parser.compile_filter(b) for b in bits[2:]])

"""The simulator's message catalog: every message it sends, in English, German and French.

Templates use `{name}` placeholders filled from the message's named params, as vCenter's own
catalogs do. `default_message` is always English; `localized` is added when the request asked
for a language with Accept-Language.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("en", "de", "fr")

CATALOG: dict[str, dict[str, str]] = {
    "com.vmware.vapi.endpoint.method.authentication.required": {
        "en": "Authentication required.",
        "de": "Authentifizierung erforderlich.",
        "fr": "Authentification requise.",
    },
    "com.vmware.vcenter.session.invalid_credentials": {
        "en": "Cannot log in as {user}: the user name or password is incorrect.",
        "de": "Anmeldung als {user} nicht möglich: Benutzername oder Kennwort ist falsch.",
        "fr": "Connexion impossible en tant que {user} : nom d'utilisateur ou mot de passe "
        "incorrect.",
    },
    "com.vmware.vapi.endpoint.method.authorization.invalid": {
        "en": "Unable to authorize user {user}: the privilege {privilege} is missing.",
        "de": "Benutzer {user} nicht autorisiert: das Privileg {privilege} fehlt.",
        "fr": "Impossible d'autoriser l'utilisateur {user} : le privilège {privilege} manque.",
    },
    "com.vmware.vcenter.hvc.links.already_linked": {
        "en": "This vCenter is already linked to the domain {domain} (link {link}, created "
        "{created}). Only one on-premises domain can be linked.",
        "de": "Dieser vCenter ist bereits mit der Domäne {domain} verknüpft (Verknüpfung "
        "{link}, erstellt {created}). Nur eine lokale Domäne kann verknüpft werden.",
        "fr": "Ce vCenter est déjà lié au domaine {domain} (lien {link}, créé {created}). "
        "Un seul domaine local peut être lié.",
    },
    "com.vmware.vcenter.hvc.links.psc_unreachable": {
        "en": "Cannot connect to the Platform Services Controller {host}:{port} after "
        "{attempts} attempts in {elapsed} seconds (last attempt {at}).",
        "de": "Keine Verbindung zum Platform Services Controller {host}:{port} nach "
        "{attempts} Versuchen in {elapsed} Sekunden (letzter Versuch {at}).",
        "fr": "Impossible de joindre le Platform Services Controller {host}:{port} après "
        "{attempts} tentatives en {elapsed} secondes (dernière tentative {at}).",
    },
    "com.vmware.vcenter.hvc.dns.unresolved": {
        "en": "The host name {host} does not resolve: the DNS server {dns_server} answered "
        "{answer} at {checked_at}.",
        "de": "Der Hostname {host} ist nicht auflösbar: der DNS-Server {dns_server} "
        "antwortete {answer} um {checked_at}.",
        "fr": "Le nom d'hôte {host} ne se résout pas : le serveur DNS {dns_server} a "
        "répondu {answer} à {checked_at}.",
    },
    "com.vmware.vcenter.hvc.links.invalid_port": {
        "en": "The port {port} is not valid for {host}: its HTTPS port is {expected}.",
        "de": "Der Port {port} ist für {host} ungültig: sein HTTPS-Port ist {expected}.",
        "fr": "Le port {port} n'est pas valide pour {host} : son port HTTPS est {expected}.",
    },
    "com.vmware.vcenter.hvc.links.unsupported_version": {
        "en": "The Platform Services Controller {host} runs version {version} (build "
        "{build}); Hybrid Linked Mode needs {minimum} or later.",
        "de": "Der Platform Services Controller {host} hat Version {version} (Build "
        "{build}); Hybrid Linked Mode benötigt {minimum} oder neuer.",
        "fr": "Le Platform Services Controller {host} est en version {version} (build "
        "{build}) ; Hybrid Linked Mode exige {minimum} ou plus récent.",
    },
    "com.vmware.vcenter.hvc.links.unverified_peer": {
        "en": "The certificate of {host} is not trusted. Verify its thumbprint and "
        "resubmit with ssl_thumbprint.",
        "de": "Dem Zertifikat von {host} wird nicht vertraut. Prüfen Sie den Fingerabdruck "
        "und senden Sie erneut mit ssl_thumbprint.",
        "fr": "Le certificat de {host} n'est pas approuvé. Vérifiez son empreinte et "
        "renvoyez avec ssl_thumbprint.",
    },
    "com.vmware.vcenter.hvc.links.unknown_domain": {
        "en": "The domain {domain} is not served by {host}; it serves {actual}.",
        "de": "Die Domäne {domain} wird nicht von {host} bereitgestellt; dort ist {actual}.",
        "fr": "Le domaine {domain} n'est pas servi par {host} ; il sert {actual}.",
    },
    "com.vmware.vcenter.hvc.links.invalid_psc_credentials": {
        "en": "Cannot log in to {host} as {user}: the user name or password is incorrect.",
        "de": "Anmeldung an {host} als {user} nicht möglich: Benutzername oder Kennwort "
        "ist falsch.",
        "fr": "Connexion à {host} en tant que {user} impossible : nom d'utilisateur ou mot "
        "de passe incorrect.",
    },
    "com.vmware.vcenter.hvc.links.unknown_group": {
        "en": "The group {group} does not exist in the domain {domain}.",
        "de": "Die Gruppe {group} existiert nicht in der Domäne {domain}.",
        "fr": "Le groupe {group} n'existe pas dans le domaine {domain}.",
    },
    "com.vmware.vapi.std.errors.missing_field": {
        "en": "The field {field} is required.",
        "de": "Das Feld {field} ist erforderlich.",
        "fr": "Le champ {field} est obligatoire.",
    },
    "com.vmware.vapi.std.errors.invalid_body": {
        "en": "The request body is not valid: {reason}.",
        "de": "Der Anfragetext ist ungültig: {reason}.",
        "fr": "Le corps de la requête n'est pas valide : {reason}.",
    },
    "com.vmware.vcenter.hvc.links.not_found": {
        "en": "The link {link} does not exist.",
        "de": "Die Verknüpfung {link} existiert nicht.",
        "fr": "Le lien {link} n'existe pas.",
    },
    "com.vmware.vcenter.hvc.management.group_not_found": {
        "en": "The group {group} is not an HLM administrator group.",
        "de": "Die Gruppe {group} ist keine HLM-Administratorgruppe.",
        "fr": "Le groupe {group} n'est pas un groupe d'administrateurs HLM.",
    },
    "com.vmware.vapi.std.errors.service_unavailable": {
        "en": "The service is temporarily unavailable; retry after {retry_after} seconds.",
        "de": "Der Dienst ist vorübergehend nicht verfügbar; erneut versuchen in "
        "{retry_after} Sekunden.",
        "fr": "Le service est temporairement indisponible ; réessayez dans {retry_after} "
        "secondes.",
    },
    "com.vmware.vcenter.hvc.links.unhealthy": {
        "en": "The connection to {domain} is unhealthy: last successful sync {last_sync}, "
        "{failures} failed syncs since, replication lag {lag} hours.",
        "de": "Die Verbindung zu {domain} ist gestört: letzte erfolgreiche Synchronisierung "
        "{last_sync}, seitdem {failures} Fehlschläge, Replikationsverzug {lag} Stunden.",
        "fr": "La connexion à {domain} est dégradée : dernière synchronisation réussie "
        "{last_sync}, {failures} échecs depuis, retard de réplication {lag} heures.",
    },
    "com.vmware.vapi.std.errors.invalid_field": {
        "en": "The field {field} is not valid: {reason}.",
        "de": "Das Feld {field} ist ungültig: {reason}.",
        "fr": "Le champ {field} n'est pas valide : {reason}.",
    },
    "com.vmware.vapi.rest.request_too_large": {
        "en": "The request body is larger than {limit} bytes.",
        "de": "Der Anfragetext ist größer als {limit} Bytes.",
        "fr": "Le corps de la requête dépasse {limit} octets.",
    },
    "vapi.bindings.method.impl.unexpected": {
        "en": "Provider method implementation threw unexpected exception: {exception}",
        "de": "Die Implementierung der Methode hat eine unerwartete Ausnahme ausgelöst: "
        "{exception}",
        "fr": "L'implémentation de la méthode a levé une exception inattendue : {exception}",
    },
    "hvctui.sim.invalid_fault": {
        "en": "The fault {fault} cannot be set: {reason}.",
        "de": "Die Störung {fault} kann nicht gesetzt werden: {reason}.",
        "fr": "La panne {fault} ne peut pas être définie : {reason}.",
    },
    "hvctui.sim.loopback_only": {
        "en": "The simulator's controls under /sim/ answer on loopback only.",
        "de": "Die Steuerung des Simulators unter /sim/ antwortet nur auf Loopback.",
        "fr": "Les commandes du simulateur sous /sim/ ne répondent qu'en boucle locale.",
    },
    "com.vmware.vapi.rest.operationsForUrlNotFound": {
        "en": "Unable to find operations for URL: {url}.",
        "de": "Keine Operationen für URL gefunden: {url}.",
        "fr": "Aucune opération trouvée pour l'URL : {url}.",
    },
}


def negotiate(accept_language: str | None) -> str | None:
    """The catalog language an Accept-Language header asks for, or None when none was asked."""
    if not accept_language:
        return None
    ranked = []
    for index, part in enumerate(accept_language.split(",")):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        ranked.append((-weight, index, tag.strip().lower().split("-")[0]))
    for _, _, lang in sorted(ranked):
        if lang in LANGUAGES:
            return lang
    return "en"


def _plain(param: dict[str, Any]) -> str:
    """A param as the server itself writes it into default_message (no client formatting)."""
    if "s" in param:
        return str(param["s"])
    if "i" in param:
        return str(param["i"])
    if "d" in param:
        return f"{param['d']:.{param.get('precision', 2)}f}"
    if "dt" in param:
        return str(param["dt"]).replace("T", " ").replace(".000Z", " UTC")
    if "l" in param:
        return str(param["l"].get("id", ""))
    return ""


def message(
    message_id: str,
    params: dict[str, dict[str, Any]] | None = None,
    args: list[str] | None = None,
    lang: str | None = None,
) -> dict[str, Any]:
    """A LocalizableMessage as vCenter sends it: keys sorted, unset fields left out."""
    templates = CATALOG[message_id]
    values = {name: _plain(p) for name, p in (params or {}).items()}

    def fill(template: str) -> str:
        for name, value in values.items():
            template = template.replace("{" + name + "}", value)
        return template

    body: dict[str, Any] = {
        "args": list(args or []),
        "default_message": fill(templates["en"]),
        "id": message_id,
    }
    if lang is not None:
        body["localized"] = fill(templates.get(lang, templates["en"]))
    if params:
        body["params"] = params
    return body

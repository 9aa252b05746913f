// Templates are written one element per line for review; the line breaks and indentation are removed so
// Intercom receives compact HTML (it wraps stray text nodes in extra paragraphs).
const compact = (source: string): string => source.replace(/\n\s*/g, '')

const heading = `{% case type %}{% when 'answered' %}Answered call{% when 'missed' %}Missed call{% when 'voicemail' %}Voicemail{% when 'outbound' %}Outbound call{% endcase %}`

const callerLine = `{% if caller.name %}{{ caller.name }}{% if caller.phone %} ({{ caller.phone | phone }}){% endif %}{% elsif caller.phone %}{{ caller.phone | phone }}{% else %}Anonymous{% endif %}`

const listenLink = `<a href="{{ assetUrl | safe_url }}">Listen in Aircall</a>`

const notesSection = `
  {% if comments.size > 0 %}
    <p><b>Agent notes</b></p>
    <ul>{% for comment in comments %}<li>{{ comment | newline_to_br }}</li>{% endfor %}</ul>
  {% endif %}`

/** Internal note logged on the contact's conversation for every call. */
export const DEFAULT_CALL_NOTE_TEMPLATE = compact(`
  <p><b>${heading}</b> (Aircall call {{ callId }})</p>
  <ul>
    <li>Direction: {% if direction == 'outbound' %}Outbound{% else %}Inbound{% endif %}</li>
    <li>{% if direction == 'outbound' %}Called{% else %}Caller{% endif %}: ${callerLine}</li>
    {% if agent.name %}<li>Agent: {{ agent.name }}</li>{% endif %}
    {% if line.name or line.digits %}
      <li>Line: {{ line.name }}{% if line.name and line.digits %} {% endif %}{% if line.digits %}({{ line.digits }}){% endif %}</li>
    {% endif %}
    <li>When: {{ startedAt | local_time: timeZone }}</li>
    {% if type == 'answered' or type == 'outbound' %}<li>Duration: {{ durationSeconds | duration }}</li>{% endif %}
    {% if type == 'missed' %}<li>Reason: {% if missedReason %}{{ missedReason | missed_reason }}{% else %}Not answered{% endif %}</li>{% endif %}
    {% if assetUrl %}
      <li>{% if type == 'voicemail' %}Voicemail{% else %}Recording{% endif %}: ${listenLink}</li>
    {% endif %}
    {% if tags.size > 0 %}<li>Tags: {{ tags | join: ', ' }}</li>{% endif %}
  </ul>
  ${notesSection}
`)

/** Customer-facing in-app message after a missed call: friendly, and free of internal detail. */
export const DEFAULT_MISSED_CALL_MESSAGE_TEMPLATE = compact(`
  <p>Hi {% if contact.name %}{{ contact.name | split: ' ' | first }}{% elsif caller.name %}{{ caller.name | split: ' ' | first }}{% else %}there{% endif %},</p>
  <p>Sorry we missed your call{% if line.name %} to {{ line.name }}{% endif %} on {{ startedAt | local_time: timeZone }}.
  {% if missedReason == 'out_of_opening_hours' %} You reached us outside our opening hours.{% endif %}</p>
  <p>Reply here and tell us how we can help: we will get back to you as soon as we can.</p>
`)

/** Summary note added when a call's conversation is resolved. */
export const DEFAULT_RESOLVE_NOTE_TEMPLATE = compact(`
  <p><b>Call summary</b> (Aircall call {{ callId }})</p>
  <ul>
    <li>Outcome: {% case type %}
      {% when 'answered' %}Answered
      {% when 'missed' %}Missed{% if missedReason %}: {{ missedReason | missed_reason }}{% endif %}
      {% when 'voicemail' %}Voicemail left
      {% when 'outbound' %}Outbound call
    {% endcase %}</li>
    <li>{% if direction == 'outbound' %}Called{% else %}Caller{% endif %}: ${callerLine}</li>
    <li>When: {{ startedAt | local_time: timeZone }}</li>
    {% if agent.name %}<li>Agent: {{ agent.name }}</li>{% endif %}
    {% if type == 'answered' or type == 'outbound' %}<li>Duration: {{ durationSeconds | duration }}</li>{% endif %}
    {% if assetUrl %}<li>{% if type == 'voicemail' %}Voicemail{% else %}Recording{% endif %}: ${listenLink}</li>{% endif %}
    {% if tags.size > 0 %}<li>Tags: {{ tags | join: ', ' }}</li>{% endif %}
  </ul>
  ${notesSection}
`)

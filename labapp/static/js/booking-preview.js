/* Live conflict preview of the booking request form.
 *
 * When the space, date, times, attendees or recurrence fields change, asks the server's
 * conflict check (the form's data-conflict-url, session cookie) and writes the answer
 * into the aria-live region #apercu-disponibilite. For a series (« Répétition » and
 * « Jusqu'au » filled), the server checks every date and the unavailable ones are listed.
 * The texts come from the server, in French. Without JavaScript the form works as before:
 * "Vérifier les disponibilités" and sending both check on the server.
 */
(function () {
  'use strict';

  var form = document.querySelector('form[data-conflict-url]');
  var region = document.getElementById('apercu-disponibilite');
  if (!form || !region || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var WATCHED = ['space_id', 'day', 'start_time', 'end_time', 'attendees', 'frequency',
                 'interval', 'until'];
  var DELAY = 350;
  var timer = null;
  var sequence = 0;
  var lastQuery = null;

  function value(name) {
    var field = form.elements[name];
    return field && field.value ? String(field.value).trim() : '';
  }

  function clear() {
    lastQuery = null;
    region.textContent = '';
  }

  function render(kind, title, lines, firstDateOnly) {
    var alert = document.createElement('div');
    alert.className = 'fr-alert fr-alert--sm fr-alert--' + kind + ' fr-mb-3w';
    var heading = document.createElement('p');
    heading.textContent = title;
    alert.appendChild(heading);
    if (lines.length) {
      var list = document.createElement('ul');
      lines.forEach(function (line) {
        var item = document.createElement('li');
        item.textContent = line;
        list.appendChild(item);
      });
      alert.appendChild(list);
    }
    if (firstDateOnly) {
      var note = document.createElement('p');
      note.className = 'fr-text--sm fr-mb-0';
      note.textContent = 'Pour une série, ce contrôle porte sur la première date : ' +
        'indiquez « Jusqu\'au » pour vérifier chaque date.';
      alert.appendChild(note);
    }
    region.textContent = '';
    region.appendChild(alert);
  }

  function checkedWeekdays() {
    return Array.prototype.filter.call(form.querySelectorAll('input[name="weekdays"]'),
      function (box) { return box.checked; }).map(function (box) { return box.value; });
  }

  function problemLines(body) {
    var lines = [];
    Object.keys((body && body.errors) || {}).forEach(function (field) {
      body.errors[field].forEach(function (message) { lines.push(message); });
    });
    return lines.length ? lines : [(body && body.detail) || 'Saisie incomplète.'];
  }

  function check() {
    timer = null;
    var space = value('space_id');
    var day = value('day');
    var start = value('start_time');
    var end = value('end_time');
    if (!space || !day || !start || !end) {
      clear();
      return;
    }
    var params = new URLSearchParams();
    params.set('space_id', space);
    params.set('start', day + 'T' + start);
    params.set('end', day + 'T' + end);
    var attendees = value('attendees');
    if (/^[0-9]+$/.test(attendees)) {
      params.set('attendees', attendees);
    }
    if (value('frequency') && value('until')) {
      // Every date of the series (the server's series preview).
      params.set('frequency', value('frequency'));
      params.set('until', value('until'));
      if (/^[0-9]+$/.test(value('interval'))) {
        params.set('interval', value('interval'));
      }
      checkedWeekdays().forEach(function (day) { params.append('weekdays', day); });
    }
    // A series without « Jusqu'au » is checked on its first date, with a note saying so.
    var firstDateOnly = Boolean(value('frequency') && !value('until'));
    var query = params.toString() + '|' + firstDateOnly;
    if (query === lastQuery) {
      return;
    }
    lastQuery = query;
    var mine = ++sequence;
    region.setAttribute('aria-busy', 'true');
    fetch(form.getAttribute('data-conflict-url') + '?' + params.toString(), {
      credentials: 'same-origin',
      headers: { 'Accept': 'application/json' }
    }).then(function (response) {
      return response.json().then(function (body) {
        return { ok: response.ok, body: body };
      });
    }).then(function (result) {
      if (mine !== sequence) {
        return;
      }
      var body = result.body;
      if (!result.ok) {
        render('info', 'Vérifiez la saisie :', problemLines(body), firstDateOnly);
      } else if (body.available) {
        render('success', body.message, [], firstDateOnly);
      } else {
        render('warning', body.message, body.details || [], firstDateOnly);
      }
    }).catch(function () {
      if (mine === sequence) {
        lastQuery = null;
        render('info', 'La vérification automatique est indisponible : ' +
          'utilisez le bouton « Vérifier les disponibilités ».', []);
      }
    }).then(function () {
      if (mine === sequence) {
        region.removeAttribute('aria-busy');
      }
    });
  }

  function schedule() {
    if (timer) {
      window.clearTimeout(timer);
    }
    timer = window.setTimeout(check, DELAY);
  }

  WATCHED.forEach(function (name) {
    var field = form.elements[name];
    if (field && field.addEventListener) {
      field.addEventListener('change', schedule);
      field.addEventListener('input', schedule);
    }
  });
  Array.prototype.forEach.call(form.querySelectorAll('input[name="weekdays"]'), function (box) {
    box.addEventListener('change', schedule);
  });
  check();
}());

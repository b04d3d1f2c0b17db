// anpei web shell: a small helper over fetch that sends the CSRF token and
// shows the server's Chinese error messages next to the fields at fault.
(function () {
  'use strict';

  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute('content') : '';
  }

  // api calls the JSON API and resolves with the body, or rejects with
  // {status, code, message, details}.
  function api(method, url, body) {
    var opts = { method: method, headers: { 'Accept': 'application/json' }, credentials: 'same-origin' };
    if (method !== 'GET') { opts.headers['X-CSRF-Token'] = csrf(); }
    if (body instanceof FormData) {
      opts.body = body;
    } else if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (res.ok) { return data; }
        var err = (data && data.error) || { code: 'http_' + res.status, message: '请求失败（' + res.status + '），请稍后重试' };
        err.status = res.status;
        throw err;
      });
    }, function () {
      throw { status: 0, code: 'network', message: '网络连接失败，请检查网络后重试' };
    });
  }
  window.anpei = { api: api, showError: function (f, e) { showError(f, e); }, clearErrors: function (f) { clearErrors(f); } };

  // localPath accepts only a path on this site: one leading "/", no
  // backslash or control characters, and it must resolve to this origin.
  function localPath(p) {
    if (!p || p.charAt(0) !== '/' || p.charAt(1) === '/' || /[\\\u0000-\u001f\u007f]/.test(p)) { return false; }
    try { return new URL(p, location.href).origin === location.origin; } catch (e) { return false; }
  }

  function clearErrors(form) {
    form.querySelectorAll('.field-error').forEach(function (e) { e.remove(); });
    form.querySelectorAll('[aria-invalid]').forEach(function (e) { e.removeAttribute('aria-invalid'); e.removeAttribute('aria-describedby'); });
    var box = form.querySelector('[data-form-error]');
    if (box) { box.hidden = true; box.textContent = ''; }
  }

  function showError(form, err) {
    var box = form.querySelector('[data-form-error]');
    var placed = false;
    (err.details || []).forEach(function (d, i) {
      var input = d.field && form.querySelector('[name="' + d.field + '"]');
      if (!input) { return; }
      var id = 'err-' + d.field + '-' + i;
      var p = document.createElement('div');
      p.className = 'field-error'; p.id = id; p.textContent = d.message;
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', id);
      input.insertAdjacentElement('afterend', p);
      if (!placed) { input.focus(); placed = true; }
    });
    if (box) {
      box.textContent = err.message || '操作失败，请稍后重试';
      box.hidden = false;
      if (!placed) { box.setAttribute('tabindex', '-1'); box.focus(); }
    }
  }

  // formJSON turns a form into an object: numbers for data-type="number",
  // booleans for checkboxes, and leaves out empty optional fields.
  function formJSON(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.type === 'submit' || el.dataset.skip !== undefined) { return; }
      if (el.type === 'checkbox' && el.dataset.array !== undefined) {
        if (!out[el.name]) { out[el.name] = []; }
        if (el.checked) { out[el.name].push(el.value); }
        return;
      }
      if (el.type === 'checkbox') { out[el.name] = el.checked; return; }
      var v = el.value;
      if (el.dataset.type === 'number') { if (v === '') { return; } v = Number(v); }
      if (v === '' && el.dataset.optional !== undefined) { return; }
      out[el.name] = v;
    });
    return out;
  }

  function busy(form, on) {
    form.querySelectorAll('button[type="submit"]').forEach(function (b) { b.disabled = on; });
  }

  // An ID number typed into the people search goes in a POST body, never
  // into the URL (history, proxy logs): look it up, then open the person.
  var idNumber = /^(\d{15}|\d{17}[\dXx]|9\d{16}[\dXx])$/;

  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (form.matches('[data-people-search]') && form.q && idNumber.test(form.q.value.trim())) {
      ev.preventDefault();
      clearErrors(form);
      api('POST', '/api/v1/people/lookup', { doc_number: form.q.value.trim() }).then(function (data) {
        if (data.items.length > 0) { location.href = '/people/' + data.items[0].id; return; }
        showError(form, { message: '没有找到该证件号码对应的人员（或不在您的管辖范围内）', details: [{ field: 'q', message: '没有找到该证件号码对应的人员' }] });
      }, function (err) { showError(form, err); });
      return;
    }
    if (form.matches('[data-login]')) {
      ev.preventDefault();
      clearErrors(form); busy(form, true);
      api('POST', '/api/v1/login', { username: form.username.value, password: form.password.value }).then(function () {
        var next = form.next && form.next.value;
        location.href = localPath(next) ? next : '/';
      }, function (err) { busy(form, false); showError(form, err); });
      return;
    }
    if (form.matches('[data-api]')) {
      ev.preventDefault();
      clearErrors(form); busy(form, true);
      var method = form.dataset.method || 'POST';
      var url = form.dataset.api.replace(/\{(\w+)\}/g, function (_, name) {
        return encodeURIComponent(form.elements[name] ? form.elements[name].value : '');
      });
      api(method, url, formJSON(form)).then(function (data) {
        busy(form, false);
        var ok = form.querySelector('[data-form-ok]');
        if (form.dataset.redirect) { location.href = form.dataset.redirect.replace('{id}', data && data.id); return; }
        if (ok) { ok.hidden = false; }
        if (form.dataset.reload !== undefined) { location.reload(); }
        if (form.dataset.reset !== undefined) { form.reset(); }
      }, function (err) { busy(form, false); showError(form, err); });
    }
  });

  document.addEventListener('click', function (ev) {
    var t = ev.target.closest('[data-logout]');
    if (t) {
      api('POST', '/api/v1/logout').then(function () { location.href = '/login'; }, function () { location.href = '/login'; });
      return;
    }
    var act = ev.target.closest('[data-action]');
    if (act) {
      if (act.dataset.confirm && !window.confirm(act.dataset.confirm)) { return; }
      var body = act.dataset.body ? JSON.parse(act.dataset.body) : undefined;
      act.disabled = true;
      api(act.dataset.method || 'POST', act.dataset.action, body).then(function (data) {
        if (act.dataset.show && data) {
          var target = document.getElementById(act.dataset.show);
          if (target) { target.textContent = data[act.dataset.field || 'value']; }
          act.remove();
          return;
        }
        location.reload();
      }, function (err) { act.disabled = false; window.alert(err.message); });
    }
  });
})();

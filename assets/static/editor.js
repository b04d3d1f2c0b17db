// Trainer's course editor (new course, lessons, uploads with a progress
// bar, publishing) and the enterprise training page (offline training with
// a sign-in sheet). Uses window.anpei.api from app.js for JSON calls; file
// uploads go through XMLHttpRequest for their upload progress.
(function () {
  'use strict';
  var api = window.anpei.api;
  var MB = 1024 * 1024;

  function csrf() { var m = document.querySelector('meta[name="csrf-token"]'); return m ? m.content : ''; }

  function mb(n) { return (n / MB).toFixed(n < 10 * MB ? 1 : 0) + ' MB'; }

  // spell writes milliseconds in Chinese, as the pages do: "1 分 30 秒".
  function spell(ms) {
    var s = Math.floor(Math.max(ms, 0) / 1000), h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60), r = s % 60;
    if (h) { return h + ' 小时' + (m ? ' ' + m + ' 分' : ''); }
    if (m) { return r ? m + ' 分 ' + r + ' 秒' : m + ' 分钟'; }
    return r + ' 秒';
  }

  // ---- errors next to fields ----

  function clearErrors(form) {
    form.querySelectorAll('.field-error').forEach(function (e) { e.remove(); });
    form.querySelectorAll('[aria-invalid]').forEach(function (e) { e.removeAttribute('aria-invalid'); e.removeAttribute('aria-describedby'); });
    var box = form.querySelector('[data-form-error]');
    if (box) { box.hidden = true; box.textContent = ''; }
  }

  // fieldFor finds where the API's field name is shown: an element whose
  // data-field lists it (a fieldset of checkboxes, a file input), or the
  // control of that name.
  function fieldFor(form, name) {
    var marked = form.querySelectorAll('[data-field]');
    for (var i = 0; i < marked.length; i++) {
      if (marked[i].getAttribute('data-field').split(' ').indexOf(name) >= 0) { return marked[i]; }
    }
    var all = form.elements;
    for (var j = 0; j < all.length; j++) {
      if (all[j].name === name) { return all[j]; }
    }
    return null;
  }

  var errSeq = 0;

  function showErrors(form, err, headline) {
    var box = form.querySelector('[data-form-error]');
    var first = null;
    var unplaced = [];
    (err.details || []).forEach(function (d, i) {
      var el = d.field && fieldFor(form, d.field);
      if (!el) { if (d.message) { unplaced.push(d.message); } return; }
      var id = 'err-' + (++errSeq) + '-' + i;
      var p = document.createElement('div');
      p.className = 'field-error'; p.id = id; p.textContent = d.message;
      el.setAttribute('aria-invalid', 'true');
      el.setAttribute('aria-describedby', id);
      if (el.tagName === 'FIELDSET') { el.appendChild(p); } else { el.insertAdjacentElement('afterend', p); }
      if (!first) { first = el; }
    });
    if (box) {
      var msg = err.message || '操作失败，请稍后重试';
      if (unplaced.length) { msg += '：' + unplaced.join('；'); }
      box.textContent = (headline ? headline + '：' : '') + msg;
      box.hidden = false;
    }
    var focus = first && (first.tagName === 'FIELDSET' ? first.querySelector('input, select, textarea') : first);
    if (focus) { focus.focus(); } else if (box) { box.tabIndex = -1; box.focus(); }
  }

  function fieldError(form, name, message) { showErrors(form, { message: '请按提示修改', details: [{ field: name, message: message }] }); }

  // ---- live regions: re-read this page and swap the parts marked data-live ----

  function refresh(focusSel) {
    return fetch(location.href, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } }).then(function (res) {
      return res.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, 'text/html');
      document.querySelectorAll('[data-live]').forEach(function (el) {
        var fresh = el.id && doc.getElementById(el.id);
        if (fresh) { el.replaceWith(document.importNode(fresh, true)); }
      });
      var f = focusSel && document.querySelector(focusSel);
      if (f && !f.disabled) { f.focus(); }
    });
  }

  // announce tells screen readers what a change did (the regions that
  // show it are replaced, which is not announced by itself).
  function announce(text) {
    var el = document.getElementById('c-announce');
    if (el) { el.textContent = text; }
  }

  // ---- uploads with a progress bar ----

  function progress(ui, pct, text, failed) {
    ui.box.hidden = false;
    ui.bar.classList.toggle('progress-failed', !!failed);
    ui.bar.firstElementChild.style.width = pct + '%';
    ui.bar.setAttribute('aria-valuenow', String(Math.round(pct)));
    ui.stage.textContent = text;
  }

  // send posts multipart data to url and calls done(err, body).
  function send(url, data, ui, done) {
    var xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('X-CSRF-Token', csrf());
    xhr.setRequestHeader('Accept', 'application/json');
    progress(ui, 0, '正在上传…');
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable && e.total > 0) {
        var pct = e.loaded * 100 / e.total;
        progress(ui, pct, '正在上传… ' + Math.floor(pct) + '%（' + mb(e.loaded) + ' / ' + mb(e.total) + '）');
      }
    };
    xhr.upload.onload = function () { progress(ui, 100, '上传完成，正在检查…'); };
    xhr.onload = function () {
      var body = null;
      try { body = xhr.responseText ? JSON.parse(xhr.responseText) : null; } catch (e) { body = null; }
      if (xhr.status >= 200 && xhr.status < 300) { done(null, body); return; }
      var err = (body && body.error) || { message: '提交失败（' + xhr.status + '），请稍后重试' };
      err.status = xhr.status;
      done(err);
    };
    xhr.onerror = function () {
      done({ status: 0, message: '上传中断：网络连接失败，或文件超过上限被服务器拒绝。请检查网络和文件大小后重试' });
    };
    xhr.send(data);
  }

  // fileHeadline names what is wrong with an uploaded file by status.
  function fileHeadline(status) {
    return { 415: '文件类型不对（按文件内容判断）', 413: '文件太大', 422: '文件已损坏或不完整' }[status] || '';
  }

  // failed shows a refused upload: the reasons next to the fields, and a
  // summary under the progress bar (not also at the top of the form).
  function failed(form, ui, out, err, head, what) {
    if (err.status === 413 && err.code !== 'media_too_large') {
      err.message = '文件超过 ' + form.dataset.maxMb + ' MB 上限，请压缩后重新上传';
      err.details = [{ field: ui.fileField, message: err.message }];
    }
    progress(ui, 100, what + '：' + (head || '请按提示修改'), true);
    showErrors(form, err);
    var box = form.querySelector('[data-form-error]');
    if (box) { box.hidden = true; }
    var lines = [err.message];
    (err.details || []).forEach(function (d) { if (d.message && lines.indexOf(d.message) < 0) { lines.push(d.message); } });
    result(out, false, head || what, lines);
  }

  function result(el, ok, title, lines) {
    el.textContent = '';
    var box = document.createElement('div');
    box.className = 'alert ' + (ok ? 'alert-ok result-ok' : 'alert-error result-bad');
    var strong = document.createElement('strong');
    strong.textContent = title;
    box.appendChild(strong);
    if (lines && lines.length) {
      var ul = document.createElement('ul');
      lines.forEach(function (t) { var li = document.createElement('li'); li.textContent = t; ul.appendChild(li); });
      box.appendChild(ul);
    }
    el.appendChild(box);
  }

  function tooBig(form, input) {
    var max = Number(form.dataset.maxMb || 0) * MB;
    var f = input.files[0];
    return f && max && f.size > max ? '文件大小 ' + mb(f.size) + '，超过 ' + form.dataset.maxMb + ' MB 上限，请压缩后重新上传' : '';
  }

  function busy(form, on) { form.querySelectorAll('button[type="submit"]').forEach(function (b) { b.disabled = on; }); }

  // ---- the course form (new and edit) ----

  function checked(form, name) {
    var out = [];
    form.querySelectorAll('input[type="checkbox"]').forEach(function (c) { if (c.name === name && c.checked) { out.push(c.value); } });
    return out;
  }

  function courseSubmit(form) {
    clearErrors(form);
    var ok = form.querySelector('[data-form-ok]');
    if (ok) { ok.hidden = true; }
    var body = {
      title: form.elements.title.value, description: form.elements.description.value, category: form.elements.category.value,
      audience: { categories: checked(form, 'audience.categories'), industries: checked(form, 'audience.industries'), items: checked(form, 'audience.items') }
    };
    busy(form, true);
    api(form.dataset.method, form.dataset.url, body).then(function (c) {
      if (form.dataset.method === 'POST') { location.href = '/courses/' + c.id + '/edit'; return; }
      busy(form, false);
      if (ok) { ok.hidden = false; }
      refresh();
    }, function (err) { busy(form, false); showErrors(form, err); });
  }

  // ---- the lessons of the editor ----

  function courseID() { var e = document.querySelector('[data-course]'); return e ? e.dataset.course : ''; }

  function lessonURL(id) { return '/api/v1/courses/' + courseID() + '/lessons/' + id; }

  function lessonsError(err) {
    var box = document.getElementById('c-lessons-error');
    if (box) { box.textContent = err.message || '操作失败，请稍后重试'; box.hidden = false; box.tabIndex = -1; box.focus(); }
  }

  function kindChanged(form) {
    var kind = form.elements.kind.value;
    form.querySelectorAll('[data-kinds]').forEach(function (el) {
      el.hidden = el.dataset.kinds.split(' ').indexOf(kind) < 0;
    });
    form.elements.file.accept = kind === 'document' ? '.pdf,application/pdf' : '.mp4,.webm,video/mp4,video/webm';
  }

  // estimate shows the default reading time of a text lesson as it is typed:
  // visible characters ÷ 300 a minute (at most ÷ 150).
  function estimate(form) {
    var out = document.getElementById('l-estimate');
    if (!out) { return; }
    var div = document.createElement('div');
    div.innerHTML = form.elements.body.value.replace(/<(script|style)[\s\S]*?<\/\1>/gi, '');
    var n = (div.textContent || '').replace(/\s/g, '').length;
    out.textContent = n ? '约 ' + n + ' 字：默认学习时长 ' + Math.max(1, Math.ceil(n / 300)) + ' 分钟，最多可设 ' + Math.max(1, Math.ceil(n / 150)) + ' 分钟' : '';
  }

  function lessonSubmit(form) {
    clearErrors(form);
    var out = document.getElementById('l-result');
    out.textContent = '';
    var kind = form.elements.kind.value;
    var file = form.elements.file;
    var hasFile = kind === 'video' || kind === 'document';
    if (!form.elements.title.value.trim()) { fieldError(form, 'title', '请填写课时名称'); return; }
    if (hasFile && !file.files.length) { fieldError(form, 'file', '请选择要上传的' + (kind === 'video' ? '视频' : 'PDF 文档') + '文件'); return; }
    if (hasFile && tooBig(form, file)) {
      showErrors(form, { message: tooBig(form, file), details: [{ field: 'file', message: tooBig(form, file) }] }, '文件太大');
      return;
    }
    if (kind === 'text' && !form.elements.body.value.trim()) { fieldError(form, 'body', '请填写课时正文'); return; }
    var data = new FormData();
    data.append('title', form.elements.title.value);
    data.append('kind', kind);
    if (kind !== 'video' && form.elements.minutes.value.trim()) { data.append('minutes', form.elements.minutes.value.trim()); }
    if (kind === 'text') { data.append('body', form.elements.body.value); }
    if (hasFile) { data.append('file', file.files[0]); } // the file goes last: the server streams it
    var ui = { box: document.getElementById('l-progress'), bar: document.querySelector('#l-progress .progress'), stage: document.getElementById('l-stage'), fileField: 'file' };
    busy(form, true);
    send(form.dataset.url, data, ui, function (err, l) {
      busy(form, false);
      if (err) {
        failed(form, ui, out, err, hasFile ? fileHeadline(err.status) : '', '未添加课时');
        return;
      }
      progress(ui, 100, '已添加课时“' + l.title + '”');
      result(out, true, '已添加第 ' + l.position + ' 课时“' + l.title + '”', [
        '类型：' + ({ video: '视频', document: '文档', text: '图文' }[l.kind] || l.kind) + '，学习时长 ' + spell(l.duration_ms) + (l.kind === 'video' ? '（按视频实际时长）' : '')
      ]);
      form.elements.title.value = '';
      form.elements.minutes.value = '';
      form.elements.body.value = '';
      file.value = '';
      estimate(form);
      refresh();
    });
  }

  // ---- the training page ----

  function attendeeState(form) {
    var boxes = form.querySelectorAll('input[name="person_ids"]');
    var n = 0, shown = 0, shownChecked = 0;
    boxes.forEach(function (b) {
      if (b.checked) { n++; }
      if (!b.closest('label').hidden) { shown++; if (b.checked) { shownChecked++; } }
    });
    var count = document.getElementById('o-count');
    if (count) { count.textContent = '已选 ' + n + ' 人'; }
    var all = document.getElementById('o-all');
    if (all) { all.checked = shown > 0 && shownChecked === shown; all.indeterminate = shownChecked > 0 && shownChecked < shown; }
  }

  function filterAttendees(form, text) {
    text = text.trim();
    form.querySelectorAll('#o-people label[data-name]').forEach(function (l) {
      l.hidden = text !== '' && l.dataset.name.indexOf(text) < 0;
    });
    attendeeState(form);
  }

  function offlineHours(form) {
    var out = document.getElementById('o-hours');
    var m = parseInt(form.elements.minutes.value, 10);
    out.textContent = m > 0 ? '折合 ' + (Math.floor(m * 100 / 45) / 100) + ' 学时（每 45 分钟 1 学时）' : '每 45 分钟计 1 学时';
  }

  function offlineSubmit(form) {
    clearErrors(form);
    var out = document.getElementById('o-result');
    out.textContent = '';
    var ids = [];
    form.querySelectorAll('input[name="person_ids"]').forEach(function (b) { if (b.checked) { ids.push(b.value); } });
    if (!ids.length) { fieldError(form, 'person_ids', '请选择参加培训的人员'); return; }
    var sheet = form.elements.sheet;
    if (tooBig(form, sheet)) { showErrors(form, { message: tooBig(form, sheet), details: [{ field: 'sheet', message: tooBig(form, sheet) }] }, '文件太大'); return; }
    var data = new FormData();
    ['category', 'date', 'minutes', 'content', 'teacher', 'place'].forEach(function (n) { data.append(n, form.elements[n].value); });
    data.append('person_ids', ids.join(','));
    if (sheet.files.length) { data.append('sheet', sheet.files[0]); } // last: the server streams it
    var ui = { box: document.getElementById('o-progress'), bar: document.querySelector('#o-progress .progress'), stage: document.getElementById('o-stage'), fileField: 'sheet' };
    busy(form, true);
    send(form.dataset.url, data, ui, function (err, r) {
      busy(form, false);
      if (err) {
        failed(form, ui, out, err, sheet.files.length ? fileHeadline(err.status) : '', '未登记');
        return;
      }
      progress(ui, 100, '已登记');
      result(out, true, '已登记线下培训：' + r.category_label + '，' + r.minutes + ' 分钟（' + r.hours + ' 学时），' + r.attendees + ' 人', [
        '学时已计入每位参训人员' + (r.has_sheet ? '，签到表已保存' : '；未上传签到表，可另行补存纸质材料')
      ]);
      form.elements.minutes.value = '';
      form.elements.content.value = '';
      sheet.value = '';
      form.querySelectorAll('input[name="person_ids"]').forEach(function (b) { b.checked = false; });
      attendeeState(form);
      offlineHours(form);
      refresh();
    });
  }

  // ---- wiring (delegated: the live regions are replaced after changes) ----

  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (form.matches('[data-course-form]')) { ev.preventDefault(); courseSubmit(form); return; }
    if (form.matches('[data-lesson-form]')) { ev.preventDefault(); lessonSubmit(form); return; }
    if (form.matches('[data-offline-form]')) { ev.preventDefault(); offlineSubmit(form); return; }
    if (form.matches('[data-minutes]')) {
      ev.preventDefault();
      clearErrors(form);
      var n = Number(form.elements.minutes.value);
      if (!(n >= 1) || Math.floor(n) !== n) { fieldError(form, 'minutes', '请填写不少于 1 的整数分钟'); return; }
      busy(form, true);
      api('PATCH', lessonURL(form.dataset.minutes), { minutes: n }).then(function () {
        refresh('#m-' + form.dataset.minutes).then(function () { announce('学习时长已改为 ' + n + ' 分钟'); });
      }, function (err) { busy(form, false); showErrors(form, err); });
    }
  });

  document.addEventListener('click', function (ev) {
    var move = ev.target.closest('[data-move]');
    if (move) {
      var to = Number(move.dataset.to);
      move.disabled = true;
      api('PATCH', lessonURL(move.dataset.move), { position: to }).then(function () {
        return refresh().then(function () {
          announce('已' + (move.dataset.dir === 'up' ? '上移' : '下移') + '到第 ' + to + ' 位');
          // keep the keyboard on the lesson that moved
          var row = document.querySelector('[data-lesson-row="' + move.dataset.move + '"]');
          if (!row) { return; }
          var same = row.querySelector('[data-dir="' + move.dataset.dir + '"]');
          var other = row.querySelector('[data-move]:not([data-dir="' + move.dataset.dir + '"])');
          (same && !same.disabled ? same : other).focus();
        });
      }, function (err) { move.disabled = false; lessonsError(err); });
      return;
    }
    var del = ev.target.closest('[data-delete]');
    if (del) {
      if (!window.confirm('确定删除课时“' + del.dataset.title + '”吗？只从草稿中删除，已发布的版本不受影响。')) { return; }
      del.disabled = true;
      api('DELETE', lessonURL(del.dataset.delete)).then(function () {
        refresh('#l-title').then(function () { announce('已删除课时“' + del.dataset.title + '”'); });
      }, function (err) { del.disabled = false; lessonsError(err); });
      return;
    }
    var pub = ev.target.closest('[data-publish]');
    if (pub) {
      var box = document.getElementById('publish-error');
      box.hidden = true;
      pub.disabled = true;
      api('POST', pub.dataset.publish).then(function (c) {
        refresh().then(function () {
          announce('已发布 v' + c.version + '，学员现在学习此版本');
          var h = document.getElementById('p-h');
          if (h) { h.tabIndex = -1; h.focus(); }
        });
      }, function (err) {
        pub.disabled = false;
        box.textContent = '';
        var strong = document.createElement('strong');
        strong.textContent = err.message || '发布失败，请稍后重试';
        box.appendChild(strong);
        if (err.details && err.details.length) {
          var ul = document.createElement('ul');
          err.details.forEach(function (d) { var li = document.createElement('li'); li.textContent = d.message; ul.appendChild(li); });
          box.appendChild(ul);
        }
        box.hidden = false; box.tabIndex = -1; box.focus();
      });
    }
  });

  var lessonForm = document.getElementById('lesson-form');
  if (lessonForm) {
    lessonForm.elements.kind.addEventListener('change', function () { kindChanged(lessonForm); });
    lessonForm.elements.body.addEventListener('input', function () { estimate(lessonForm); });
    kindChanged(lessonForm);
  }

  var offline = document.getElementById('offline-form');
  if (offline) {
    document.getElementById('o-filter').addEventListener('input', function (e) { filterAttendees(offline, e.target.value); });
    document.getElementById('o-all').addEventListener('change', function (e) {
      offline.querySelectorAll('#o-people label[data-name]').forEach(function (l) {
        if (!l.hidden) { l.querySelector('input').checked = e.target.checked; }
      });
      attendeeState(offline);
    });
    offline.addEventListener('change', function (e) { if (e.target.name === 'person_ids') { attendeeState(offline); } });
    offline.elements.minutes.addEventListener('input', function () { offlineHours(offline); });
    attendeeState(offline);
  }
})();

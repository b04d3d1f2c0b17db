// Trainer's and regulator's exam pages: the question bank (import with a
// dry run, an upload progress bar and every problem by row and column;
// status changes in place), the new exam form with its blueprint editor
// (live total, what the bank has for each part), and the proctor page
// (attempts refreshed every 10 seconds, a ticking time left, item
// analysis). JSON calls go through window.anpei.api from app.js; the
// upload goes through XMLHttpRequest for its progress events.
(function () {
  'use strict';
  var api = window.anpei.api;
  var MB = 1024 * 1024;

  function csrf() { var m = document.querySelector('meta[name="csrf-token"]'); return m ? m.content : ''; }
  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  // ---- live regions: re-read this page and swap the parts marked data-live ----

  // refresh swaps every data-live region, or only those whose ids are given.
  function refresh(only) {
    return fetch(location.href, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } }).then(function (res) {
      return res.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, 'text/html');
      document.querySelectorAll('[data-live]').forEach(function (node) {
        if (only && only.indexOf(node.id) < 0) { return; }
        var fresh = node.id && doc.getElementById(node.id);
        if (fresh) { node.replaceWith(document.importNode(fresh, true)); }
      });
    });
  }

  // =====================================================================
  // 题库: import
  // =====================================================================

  function importPanel(form) {
    var ui = { box: $('qi-progress'), bar: document.querySelector('#qi-progress .progress'), stage: $('qi-stage') };
    var buttons = form.querySelectorAll('button');

    function progress(pct, text, failed) {
      ui.box.hidden = false;
      ui.bar.classList.toggle('progress-failed', !!failed);
      ui.bar.firstElementChild.style.width = pct + '%';
      ui.bar.setAttribute('aria-valuenow', String(Math.round(pct)));
      ui.stage.textContent = text;
    }

    function busy(on) { buttons.forEach(function (b) { b.disabled = on; }); }

    function render(r) {
      $('qi-result').hidden = false;
      var title = $('qi-title');
      title.textContent = r.title;
      title.className = r.bad ? 'text-bad' : 'text-ok';
      $('qi-summary').textContent = r.summary;
      var tbody = $('qi-errors');
      tbody.textContent = '';
      var details = r.details || [];
      details.forEach(function (d) {
        var tr = el('tr');
        tr.appendChild(el('td', 'num', d.row ? d.row : '—'));
        tr.appendChild(el('td', 'nowrap', d.column || (d.row ? '—' : '')));
        tr.appendChild(el('td', '', d.message));
        tbody.appendChild(tr);
      });
      $('qi-errors-wrap').hidden = details.length === 0;
      $('qi-result').scrollIntoView({ block: 'nearest' });
    }

    function send(dry) {
      var file = form.elements.file.files[0];
      if (!file) {
        render({ title: '请选择文件', summary: '请先选择要上传的题库文件（Excel .xlsx，或 GIFT、Aiken 格式的 .txt 文本）。', bad: true });
        form.elements.file.focus();
        return;
      }
      var max = Number(form.dataset.maxMb || 0) * MB;
      if (max && file.size > max) {
        render({ title: '文件太大', summary: '文件大小 ' + (file.size / MB).toFixed(1) + ' MB，超过 ' + form.dataset.maxMb + ' MB 上限，请拆分为多个文件后分批上传。', bad: true });
        return;
      }
      var q = ['dry_run=' + (dry ? '1' : '0')];
      ['format', 'default_category', 'status'].forEach(function (name) {
        var v = form.elements[name].value.trim();
        if (v) { q.push(name + '=' + encodeURIComponent(v)); }
      });
      var data = new FormData();
      data.append('file', file);
      var xhr = new XMLHttpRequest();
      xhr.open('POST', '/api/v1/questions/import?' + q.join('&'));
      xhr.setRequestHeader('X-CSRF-Token', csrf());
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable && e.total > 0) {
          progress(e.loaded * 90 / e.total, '正在上传… ' + Math.floor(e.loaded * 100 / e.total) + '%');
        }
      };
      xhr.upload.onload = function () { progress(92, dry ? '上传完成，正在逐题检查…' : '上传完成，正在检查并写入…'); };
      xhr.onload = function () {
        busy(false);
        var body = null;
        try { body = xhr.responseText ? JSON.parse(xhr.responseText) : null; } catch (e) { body = null; }
        if (xhr.status === 200 && body && !body.error) {
          progress(100, '完成');
          var n = body.created + body.updated + body.unchanged;
          var counts = '新增 ' + body.created + ' 道，更新 ' + body.updated + ' 道，未变 ' + body.unchanged + ' 道';
          if (dry) {
            render({ title: '预检通过', summary: '文件无错误，共 ' + n + ' 道题：将' + counts + '。尚未写入，请点击“导入”。' });
          } else {
            render({ title: '导入完成', summary: '共 ' + n + ' 道题：' + counts + '。' });
            refresh();
          }
          return;
        }
        var err = (body && body.error) || { message: '上传失败（' + xhr.status + '），请稍后重试' };
        if (xhr.status === 413 && !err.details) { err.message = '文件超过 ' + form.dataset.maxMb + ' MB 上限，请拆分为多个文件后分批上传'; }
        progress(100, dry ? '预检发现问题' : '未导入', true);
        render({
          title: (err.details || []).length ? '文件有错误，未导入任何试题' : '未导入任何试题',
          summary: err.message, details: err.details, bad: true
        });
      };
      xhr.onerror = function () {
        busy(false);
        progress(100, '上传中断', true);
        render({ title: '上传失败', summary: '网络连接失败，或文件超过上限被服务器拒绝。请检查网络和文件大小后重试；未导入任何试题。', bad: true });
      };
      busy(true);
      $('qi-result').hidden = true;
      progress(0, '正在上传…');
      xhr.send(data);
    }

    form.addEventListener('submit', function (ev) { ev.preventDefault(); send(true); });
    $('qi-commit').addEventListener('click', function () { send(false); });
  }

  // =====================================================================
  // 题库: status changes in place
  // =====================================================================

  var statusInfo = {
    draft: { label: '草稿', badge: 'badge-warn' },
    active: { label: '启用', badge: 'badge-ok' },
    retired: { label: '停用', badge: 'badge' }
  };

  function statusButtons(row, st) {
    var id = row.getAttribute('data-question');
    var cell = row.querySelector('[data-actions]');
    cell.textContent = '';
    function add(to, text, aria) {
      var b = el('button', 'btn btn-quiet', text);
      b.type = 'button';
      b.setAttribute('data-set-status', to);
      b.setAttribute('aria-label', aria.replace('%s', id));
      cell.appendChild(b);
      cell.appendChild(document.createTextNode(' '));
    }
    if (st !== 'active') { add('active', '启用', '启用第 %s 题'); }
    if (st !== 'retired') { add('retired', '停用', '停用第 %s 题'); }
    if (st === 'retired') { add('draft', '改为草稿', '将第 %s 题改为草稿'); }
  }

  function setStatus(row, st) {
    var id = row.getAttribute('data-question');
    return api('PATCH', '/api/v1/questions/' + id, { status: st }).then(function () {
      row.setAttribute('data-status', st);
      var info = statusInfo[st];
      var cell = row.querySelector('[data-status-cell]');
      cell.textContent = '';
      cell.appendChild(el('span', 'badge ' + info.badge, info.label));
      statusButtons(row, st);
      return info.label;
    });
  }

  function showListError(msg) {
    var box = $('q-error');
    if (!box) { return; }
    box.textContent = msg;
    box.hidden = !msg;
  }

  function announce(text) { var a = $('q-announce'); if (a) { a.textContent = text; } }

  function bankList() {
    document.addEventListener('click', function (ev) {
      var b = ev.target.closest('[data-set-status]');
      if (b) {
        var row = b.closest('tr[data-question]');
        b.disabled = true;
        showListError('');
        setStatus(row, b.getAttribute('data-set-status')).then(function (label) {
          announce('第 ' + row.getAttribute('data-question') + ' 题已改为“' + label + '”');
          refresh(['q-counts']);
          var first = row.querySelector('[data-set-status]');
          if (first) { first.focus(); }
        }, function (err) {
          b.disabled = false;
          showListError('第 ' + row.getAttribute('data-question') + ' 题：' + err.message);
        });
        return;
      }
      var all = ev.target.closest('#q-activate-page');
      if (all) {
        var rows = Array.prototype.slice.call(document.querySelectorAll('tr[data-question][data-status="draft"]'));
        if (!rows.length) { announce('本页没有草稿状态的试题'); showListError(''); all.textContent = '本页没有草稿'; return; }
        all.disabled = true;
        showListError('');
        var done = 0, failed = [];
        var next = function () {
          if (!rows.length) {
            all.disabled = false;
            all.textContent = '启用本页草稿';
            announce('已启用 ' + done + ' 道' + (failed.length ? '，' + failed.length + ' 道失败' : ''));
            if (failed.length) { showListError(failed.join('；')); }
            refresh();
            return;
          }
          var row = rows.shift();
          all.textContent = '正在启用… ' + (done + failed.length + 1);
          setStatus(row, 'active').then(function () { done++; next(); }, function (err) {
            failed.push('第 ' + row.getAttribute('data-question') + ' 题：' + err.message); next();
          });
        };
        next();
      }
    });
  }

  // =====================================================================
  // 新建考试: blueprint editor and submit
  // =====================================================================

  // tenths reads a decimal number of points as tenths (2.5 → 25); NaN
  // when it is not a number with at most one decimal.
  function tenths(v) {
    v = String(v).trim();
    if (!/^\d+(\.\d)?$/.test(v)) { return NaN; }
    return Math.round(Number(v) * 10);
  }
  function points(t) { return (t % 10 === 0) ? String(t / 10) : (t / 10).toFixed(1); }

  // beijing turns a datetime-local value (Beijing time) into RFC 3339.
  function beijing(v) { return v ? v + (v.length === 16 ? ':00' : '') + '+08:00' : null; }

  function examForm(form) {
    var avail = {};
    var labels = {};
    try { avail = JSON.parse(form.dataset.avail || '{}'); labels = JSON.parse(form.dataset.labels || '{}'); } catch (e) { avail = {}; }
    var rowsBox = $('bp-rows');
    var seq = rowsBox.querySelectorAll('[data-bp-row]').length;

    function rows() { return Array.prototype.slice.call(rowsBox.querySelectorAll('[data-bp-row]')); }
    function field(row, name) { return row.querySelector('[data-bp="' + name + '"]'); }
    function sectionLabel(row) {
      var cat = field(row, 'category').value;
      return (labels[field(row, 'type').value] || '') + '·' + (cat || '不限分类');
    }

    // total recomputes subtotals, availability and the total.
    function total() {
      var sum = 0, count = 0, ok = true;
      var taken = {};
      rows().forEach(function (row) {
        var t = field(row, 'type').value, c = field(row, 'category').value;
        if (c) {
          var n = Number(field(row, 'count').value) || 0;
          taken[t] = (taken[t] || 0) + Math.min(n, avail[t + '|' + c] || 0);
        }
      });
      rows().forEach(function (row, i) {
        var t = field(row, 'type').value, c = field(row, 'category').value;
        var n = Number(field(row, 'count').value);
        var p = tenths(field(row, 'points').value);
        var sub = row.querySelector('[data-bp-sub]');
        if (!(n >= 1) || n % 1 !== 0 || isNaN(p) || p <= 0) {
          sub.textContent = '—'; ok = false;
        } else {
          sub.textContent = points(n * p);
          sum += n * p; count += n;
        }
        var have = c ? (avail[t + '|' + c] || 0) : Math.max(0, (avail[t + '|'] || 0) - (taken[t] || 0));
        var cell = row.querySelector('[data-bp-avail]');
        cell.textContent = '';
        var short = n > have;
        var span = el('span', short ? 'text-bad' : 'muted', (short ? '不足：' : '') + have + ' 道' + (!c && taken[t] ? '（除去其他部分）' : ''));
        cell.appendChild(span);
        row.classList.toggle('bp-short', short);
        // labels for rows added by the button
        row.querySelectorAll('label[data-for]').forEach(function (l) {
          l.textContent = '第 ' + (i + 1) + ' 部分' + { type: '题型', category: '分类', count: '题数', points: '每题分值' }[l.getAttribute('data-for')];
        });
      });
      $('bp-count-total').textContent = count + ' 题';
      $('bp-total').textContent = points(sum) + ' 分';
      var note = $('bp-total-note');
      note.textContent = '';
      var span;
      if (!ok) {
        span = el('span', 'text-bad', '请填写每一部分的题数（整数）和每题分值（最多一位小数）');
      } else if (sum === 1000) {
        span = el('span', 'text-ok', '✓ 合计 100 分');
      } else if (sum < 1000) {
        span = el('span', 'text-bad', '✗ 合计须为 100 分，还差 ' + points(1000 - sum) + ' 分');
      } else {
        span = el('span', 'text-bad', '✗ 合计须为 100 分，超出 ' + points(sum - 1000) + ' 分');
      }
      note.appendChild(span);
      rows().forEach(function (row) { row.querySelector('[data-bp-remove]').disabled = rows().length === 1; });
      return ok && sum === 1000;
    }

    function addRow() {
      var frag = $('bp-row-template').content.cloneNode(true);
      var row = frag.querySelector('[data-bp-row]');
      seq++;
      row.querySelectorAll('[data-bp]').forEach(function (input) {
        var name = input.getAttribute('data-bp');
        input.id = 'bp-' + name + '-' + seq;
        row.querySelector('label[data-for="' + name + '"]').htmlFor = input.id;
      });
      rowsBox.appendChild(frag);
      total();
      field(row, 'type').focus();
    }

    rowsBox.addEventListener('input', total);
    rowsBox.addEventListener('change', total);
    rowsBox.addEventListener('click', function (ev) {
      var b = ev.target.closest('[data-bp-remove]');
      if (!b || rows().length === 1) { return; }
      var row = b.closest('[data-bp-row]');
      var next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      total();
      if (next) { field(next, 'type').focus(); }
    });
    $('bp-add').addEventListener('click', addRow);

    var practice = $('e-practice');
    function practiceMode() {
      form.querySelectorAll('[data-exam-only]').forEach(function (box) {
        box.hidden = practice.checked;
        box.querySelectorAll('input').forEach(function (i) { i.disabled = practice.checked; });
      });
    }
    practice.addEventListener('change', practiceMode);
    practiceMode();
    total();

    // ---- errors ----

    function clearErrors() {
      form.querySelectorAll('.field-error').forEach(function (e) { e.remove(); });
      form.querySelectorAll('[aria-invalid]').forEach(function (e) { e.removeAttribute('aria-invalid'); e.removeAttribute('aria-describedby'); });
      form.querySelectorAll('.bp-bad').forEach(function (e) { e.classList.remove('bp-bad'); });
      var box = form.querySelector('[data-form-error]');
      box.hidden = true; box.textContent = '';
      var list = $('bp-problems');
      list.hidden = true; list.textContent = '';
    }

    var errSeq = 0;
    function mark(target, message) {
      var id = 'err-' + (++errSeq);
      var p = el('div', 'field-error', message);
      p.id = id;
      target.setAttribute('aria-invalid', 'true');
      target.setAttribute('aria-describedby', id);
      if (target.tagName === 'FIELDSET') {
        var legend = target.querySelector('legend');
        if (legend && legend.nextSibling) { legend.parentNode.insertBefore(p, legend.nextSibling); } else { target.appendChild(p); }
      } else {
        target.insertAdjacentElement('afterend', p);
      }
      return target;
    }

    function byName(name) {
      var marked = form.querySelectorAll('[data-field]');
      for (var i = 0; i < marked.length; i++) {
        if (marked[i].getAttribute('data-field').split(' ').indexOf(name) >= 0) { return marked[i]; }
      }
      var all = form.elements;
      for (var j = 0; j < all.length; j++) { if (all[j].name === name) { return all[j]; } }
      return null;
    }

    function showErrors(err) {
      var first = null;
      var problems = [];
      (err.details || []).forEach(function (d) {
        var f = d.field || '';
        var m = /^blueprint\.sections\[(\d+)\]\.?(\w*)$/.exec(f);
        var target = null;
        if (m) {
          var row = rows()[Number(m[1])];
          if (row) { row.classList.add('bp-bad'); target = field(row, m[2] || 'type') || field(row, 'type'); }
        } else if (f === 'blueprint' || f === 'blueprint.sections') {
          // the feasibility messages name their part: "单选题·法律法规：…"
          rows().forEach(function (row) {
            if (d.message.indexOf(sectionLabel(row) + '：') === 0) { row.classList.add('bp-bad'); }
          });
          problems.push(d.message);
          if (!first) { first = $('bp'); }
          return;
        } else if (f) {
          target = byName(f);
        }
        if (!target) { if (d.message) { problems.push(d.message); } return; }
        mark(target, d.message);
        if (!first) { first = target; }
      });
      var list = $('bp-problems');
      if (problems.length) {
        problems.forEach(function (t) { list.appendChild(el('li', '', t)); });
        list.hidden = false;
        $('bp').setAttribute('aria-invalid', 'true');
      }
      var box = form.querySelector('[data-form-error]');
      box.textContent = (err.message || '保存失败，请稍后重试') + (problems.length ? '：' + problems.join('；') : '');
      box.hidden = false;
      var focus = first && (first.tagName === 'FIELDSET' ? first.querySelector('input, select, textarea, button') : first);
      if (focus) { focus.focus(); } else { box.tabIndex = -1; box.focus(); }
    }

    function checked(name) {
      var out = [];
      form.querySelectorAll('input[type="checkbox"]').forEach(function (c) { if (c.name === name && c.checked) { out.push(c.value); } });
      return out;
    }

    function num(name) {
      var v = form.elements[name].value.trim();
      return v === '' ? 0 : Number(v);
    }

    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      clearErrors();
      var e = form.elements;
      var review = form.querySelector('input[name="review_policy"]:checked');
      var body = {
        title: e.title.value, description: e.description.value, practice: e.practice.checked,
        open_at: e.practice.checked ? null : beijing(e.open_at.value),
        close_at: e.practice.checked ? null : beijing(e.close_at.value),
        attempts_allowed: e.practice.checked ? 0 : num('attempts_allowed'),
        review_policy: review ? review.value : '',
        required_rules: checked('required_rules'),
        awards_kind: e.practice.checked || !e.awards_kind ? '' : e.awards_kind.value,
        audience: { categories: checked('audience.categories'), industries: [], items: [] },
        blueprint: {
          sections: rows().map(function (row) {
            return {
              type: field(row, 'type').value, category: field(row, 'category').value,
              count: Number(field(row, 'count').value) || 0,
              points: Number(field(row, 'points').value) || 0
            };
          }),
          pass_mark: num('blueprint.pass_mark'), minutes: num('blueprint.minutes'),
          shuffle_questions: e['blueprint.shuffle_questions'].checked,
          shuffle_options: e['blueprint.shuffle_options'].checked,
          multiple_partial: e['blueprint.multiple_partial'].checked
        }
      };
      // Scores with more than one decimal never reach the server's rules
      // (they are refused while the request is read), so say it here.
      var local = [];
      rows().forEach(function (row, i) {
        var v = field(row, 'points').value;
        if (v.trim() !== '' && isNaN(tenths(v))) {
          local.push({ field: 'blueprint.sections[' + i + '].points', message: sectionLabel(row) + '的每题分值须为数字，最多保留一位小数' });
        }
      });
      if (e['blueprint.pass_mark'].value.trim() !== '' && isNaN(tenths(e['blueprint.pass_mark'].value))) {
        local.push({ field: 'blueprint.pass_mark', message: '合格分数须为数字，最多保留一位小数' });
      }
      if (local.length) {
        showErrors({ message: '请按提示修改', details: local });
        return;
      }
      var submit = form.querySelector('button[type="submit"]');
      submit.disabled = true;
      api('POST', '/api/v1/exams', body).then(function (v) {
        location.href = '/exams/' + v.id + '/proctor';
      }, function (err) {
        submit.disabled = false;
        showErrors(err);
      });
    });
  }

  // =====================================================================
  // 监考与成绩
  // =====================================================================

  function clockText(ms) {
    var s = Math.floor(Math.max(ms, 0) / 1000);
    var two = function (n) { return (n < 10 ? '0' : '') + n; };
    if (s >= 3600) { return Math.floor(s / 3600) + ':' + two(Math.floor(s % 3600 / 60)) + ':' + two(s % 60); }
    return Math.floor(s / 60) + ':' + two(s % 60);
  }

  function beijingTime(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return ''; }
    var b = new Date(d.getTime() + 8 * 3600 * 1000);
    var two = function (n) { return (n < 10 ? '0' : '') + n; };
    return b.getUTCFullYear() + '-' + two(b.getUTCMonth() + 1) + '-' + two(b.getUTCDate()) + ' ' + two(b.getUTCHours()) + ':' + two(b.getUTCMinutes());
  }

  function statusOf(a, left) {
    if (!a.finished_at && left <= 0) { return ['已到时，待自动交卷', 'badge-warn']; }
    if (!a.finished_at) { return ['作答中', 'badge-info']; }
    if (a.auto) { return ['到时自动交卷', 'badge']; }
    return ['已交卷', 'badge-ok'];
  }

  function proctor(root) {
    var id = root.getAttribute('data-exam');
    var alertAt = Number(root.getAttribute('data-blur-alert')) || 3;
    var minSample = Number(root.getAttribute('data-min-sample')) || 10;
    var practice = root.getAttribute('data-practice') === 'true';
    var fetchedAt = Date.now();
    var lastFinished = Number(root.querySelector('[data-count="finished"]').textContent) || 0;

    function setCount(name, v) { var n = root.querySelector('[data-count="' + name + '"]'); if (n) { n.textContent = v; } }

    function row(a) {
      var tr = el('tr');
      tr.setAttribute('data-attempt', a.id);
      tr.appendChild(el('td', 'nowrap', a.name || ('人员 ' + a.person_id)));
      tr.appendChild(el('td', 'num', a.number));
      tr.appendChild(el('td', 'nowrap', beijingTime(a.started_at)));
      var prog = el('td', 'nowrap');
      var bar = el('progress');
      bar.max = a.items || 1; bar.value = a.answered;
      bar.setAttribute('aria-label', '已答 ' + a.answered + ' / ' + a.items + ' 题');
      prog.appendChild(bar);
      prog.appendChild(document.createTextNode(' '));
      prog.appendChild(el('small', '', a.answered + '/' + a.items));
      tr.appendChild(prog);
      var left = el('td', 'num nowrap', a.finished_at ? '—' : clockText(a.remaining_ms));
      left.setAttribute('data-left', a.finished_at ? '' : String(a.remaining_ms));
      tr.appendChild(left);
      var blur = el('td', 'num' + (a.blurs >= alertAt ? ' blur-warn' : ''), a.blurs);
      if (a.blurs >= alertAt) { blur.appendChild(document.createTextNode(' ')); blur.appendChild(el('span', 'badge badge-warn', '离开频繁')); }
      tr.appendChild(blur);
      var st = statusOf(a, a.remaining_ms);
      var stc = el('td');
      stc.appendChild(el('span', 'badge ' + st[1], st[0]));
      tr.appendChild(stc);
      tr.appendChild(el('td', 'num', a.finished_at && a.score !== undefined ? a.score : ''));
      var pass = el('td');
      if (a.finished_at) { pass.appendChild(el('span', 'badge ' + (a.passed ? 'badge-ok' : 'badge-bad'), a.passed ? '合格' : '不合格')); }
      tr.appendChild(pass);
      return tr;
    }

    function render(items) {
      var tbody = $('p-rows');
      tbody.textContent = '';
      var writing = 0, finished = 0, people = {}, passed = {};
      items.forEach(function (a) {
        tbody.appendChild(row(a));
        if (a.finished_at) {
          finished++; people[a.person_id] = true;
          if (a.passed) { passed[a.person_id] = true; }
        } else { writing++; }
      });
      if (!items.length) {
        var tr = el('tr'); var td = el('td', 'muted', '还没有考生开始作答。'); td.colSpan = 9; tr.appendChild(td); tbody.appendChild(tr);
      }
      var np = Object.keys(people).length, pp = Object.keys(passed).length;
      setCount('started', items.length);
      setCount('writing', writing);
      setCount('finished', finished);
      setCount('people', np);
      setCount('passed', pp);
      setCount('rate', np ? (pp * 100 / np).toFixed(1) + '%' : '—');
      return finished;
    }

    function renderStats(items, graded) {
      var tbody = $('p-stats-rows');
      if (!tbody) { return; }
      tbody.textContent = '';
      items.forEach(function (s) {
        var tr = el('tr', s.needs_review ? 'row-flag' : '');
        tr.appendChild(el('td', 'num', s.question_id));
        tr.appendChild(el('td', 'stem', s.stem));
        tr.appendChild(el('td', 'num', s.n));
        tr.appendChild(el('td', 'num', Math.round(s.facility * 100) + '%'));
        tr.appendChild(el('td', 'num', s.discrimination.toFixed(2)));
        var f = el('td');
        if (s.needs_review) {
          f.appendChild(el('span', 'badge badge-warn', '需要复核'));
          f.appendChild(document.createTextNode(' '));
          f.appendChild(el('small', '', (s.flags || []).join('；')));
        } else { f.appendChild(el('span', 'muted', '—')); }
        tr.appendChild(f);
        tbody.appendChild(tr);
      });
      if (!items.length) {
        var tr = el('tr'); var td = el('td', 'muted', '还没有已交卷的答卷。'); td.colSpan = 6; tr.appendChild(td); tbody.appendChild(tr);
      }
      var few = root.querySelector('[data-few]');
      if (few) { few.hidden = graded >= minSample; }
      var g = root.querySelector('[data-graded]');
      if (g) { g.textContent = graded; }
    }

    function tick() {
      var gone = Date.now() - fetchedAt;
      root.querySelectorAll('#p-rows [data-left]').forEach(function (td) {
        var v = td.getAttribute('data-left');
        if (v === '') { return; }
        var left = Number(v) - gone;
        td.textContent = clockText(left);
        if (left <= 0) {
          var badge = td.parentNode.querySelector('td:nth-child(7) .badge');
          if (badge && badge.textContent === '作答中') { badge.textContent = '已到时，待自动交卷'; badge.className = 'badge badge-warn'; }
        }
      });
    }

    function poll() {
      api('GET', '/api/v1/exams/' + id + '/attempts').then(function (data) {
        fetchedAt = Date.now();
        $('p-error').hidden = true;
        var finished = render(data.items || []);
        $('p-refresh').textContent = '每 10 秒自动刷新 · 最近刷新 ' + beijingTime(new Date().toISOString()).slice(11) + '（北京时间）';
        if (!practice && finished !== lastFinished) {
          lastFinished = finished;
          return api('GET', '/api/v1/exams/' + id + '/stats').then(function (st) { renderStats(st.items || [], finished); });
        }
      }).catch(function (err) {
        var box = $('p-error');
        box.textContent = '刷新失败：' + (err.message || '请稍后重试') + '。表中是上次刷新的数据。';
        box.hidden = false;
      });
    }

    setInterval(tick, 1000);
    setInterval(poll, 10000);
    window.anpeiProctorPoll = poll; // lets a test refresh without waiting
  }

  var imp = $('q-import');
  if (imp) { importPanel(imp); bankList(); }
  var ef = $('exam-form');
  if (ef) { examForm(ef); }
  var pr = $('proctor');
  if (pr) { proctor(pr); }
})();

// Lesson player: opens a playback session, sends signed heartbeats while the
// learner watches or reads (every heartbeat_ms, and on play, pause, seek,
// end and leaving the page), shows what the server credited and what it
// did not, and puts presence challenges to the learner.
//
// Heartbeats go out one at a time in order, each with a greater sequence
// number, signed with HMAC-SHA256 keyed with the session nonce over
// "anpei/heartbeat/v1\n" + session + "\n" + seq + "\n" + position_ms.
// Web Crypto signs when the browser offers it; plain-http LAN deployments
// have no crypto.subtle, so a small SHA-256/HMAC in plain JavaScript below
// signs instead (and always for the last heartbeat on pagehide, which
// cannot wait for a promise).
(function () {
  'use strict';

  // ---------- SHA-256 and HMAC-SHA256 (FIPS 180-4, RFC 2104) ----------
  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ];

  function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }

  function sha256(msg) {
    var H = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    var len = msg.length;
    var buf = new Uint8Array(((len + 9 + 63) >> 6) << 6);
    buf.set(msg);
    buf[len] = 0x80;
    var hi = Math.floor(len / 0x20000000), lo = (len << 3) >>> 0; // the length in bits, big-endian
    var n = buf.length;
    buf[n - 8] = hi >>> 24; buf[n - 7] = (hi >>> 16) & 255; buf[n - 6] = (hi >>> 8) & 255; buf[n - 5] = hi & 255;
    buf[n - 4] = lo >>> 24; buf[n - 3] = (lo >>> 16) & 255; buf[n - 2] = (lo >>> 8) & 255; buf[n - 1] = lo & 255;
    var W = new Array(64);
    for (var off = 0; off < n; off += 64) {
      var t;
      for (t = 0; t < 16; t++) {
        var i = off + t * 4;
        W[t] = (buf[i] << 24) | (buf[i + 1] << 16) | (buf[i + 2] << 8) | buf[i + 3];
      }
      for (t = 16; t < 64; t++) {
        var s0 = rotr(W[t - 15], 7) ^ rotr(W[t - 15], 18) ^ (W[t - 15] >>> 3);
        var s1 = rotr(W[t - 2], 17) ^ rotr(W[t - 2], 19) ^ (W[t - 2] >>> 10);
        W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
      }
      var a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
      for (t = 0; t < 64; t++) {
        var t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + W[t]) | 0;
        var t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      H[0] = (H[0] + a) | 0; H[1] = (H[1] + b) | 0; H[2] = (H[2] + c) | 0; H[3] = (H[3] + d) | 0;
      H[4] = (H[4] + e) | 0; H[5] = (H[5] + f) | 0; H[6] = (H[6] + g) | 0; H[7] = (H[7] + h) | 0;
    }
    var out = new Uint8Array(32);
    for (var k = 0; k < 8; k++) {
      out[k * 4] = H[k] >>> 24; out[k * 4 + 1] = (H[k] >>> 16) & 255; out[k * 4 + 2] = (H[k] >>> 8) & 255; out[k * 4 + 3] = H[k] & 255;
    }
    return out;
  }

  function concat(a, b) {
    var out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  }

  function hmac(key, msg) {
    if (key.length > 64) { key = sha256(key); }
    var ipad = new Uint8Array(64), opad = new Uint8Array(64);
    for (var i = 0; i < 64; i++) {
      var k = i < key.length ? key[i] : 0;
      ipad[i] = k ^ 0x36;
      opad[i] = k ^ 0x5c;
    }
    return sha256(concat(opad, sha256(concat(ipad, msg))));
  }

  function utf8(s) {
    if (window.TextEncoder) { return new TextEncoder().encode(s); }
    var bin = unescape(encodeURIComponent(s));
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }

  function toHex(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) { s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16); }
    return s;
  }

  function fromHex(s) {
    var out = new Uint8Array(s.length >> 1);
    for (var i = 0; i < out.length; i++) { out[i] = parseInt(s.substr(i * 2, 2), 16); }
    return out;
  }

  // hmacHex is the plain-JavaScript signer: lowercase hex HMAC-SHA256 of
  // the UTF-8 text keyed with the hex key. Exposed so the browser test can
  // check it against Go's course.Sign.
  function hmacHex(keyHex, text) { return toHex(hmac(fromHex(keyHex), utf8(text))); }
  window.anpeiHeartbeat = { hmacHex: hmacHex };

  // ---------- the player ----------
  var root = document.getElementById('player');
  if (!root || !root.hasAttribute('data-credit')) { return; }

  function $(id) { return document.getElementById(id); }
  var lessonID = root.getAttribute('data-lesson');
  var video = $('pl-video');
  var toggle = $('pl-toggle');
  var bar = $('pl-bar');
  var modal = $('pl-challenge');

  var S = {
    sid: '', nonce: '', key: null,
    duration: Number(root.getAttribute('data-duration-ms')) || 0,
    heartbeatMs: 15000, maxRate: 2, resume: 0, resumed: false, resumeSeek: false,
    seq: 0, started: false, stopped: false,
    credited: 0, today: 0, cap: 0, completed: false,
    queue: [], inflight: false, waitUntil: 0, failures: 0,
    lastBeatAt: 0, lastBeatPlaying: false,
    timer: 0, retryTimer: 0, noticeTimer: 0,
    lastPos: 0 // the video's position before a seek starts
  };
  // Reading time is the "position" of a document or text lesson.
  var reading = { pos: 0, on: false, auto: false, at: 0 };

  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute('content') : '';
  }

  // ---------- formatting ----------
  function fmt(ms) {
    var sec = Math.max(0, Math.floor(ms / 1000));
    var h = Math.floor(sec / 3600), m = Math.floor(sec % 3600 / 60), s = sec % 60;
    if (h > 0) { return h + ' 小时' + (m > 0 ? ' ' + m + ' 分' : ''); }
    if (m > 0) { return s > 0 ? m + ' 分 ' + s + ' 秒' : m + ' 分钟'; }
    return s + ' 秒';
  }

  function clock(ms) {
    var sec = Math.max(0, Math.floor(ms / 1000));
    var m = Math.floor(sec / 60), s = sec % 60;
    return m + ':' + (s < 10 ? '0' : '') + s;
  }

  function setText(id, text) { var e = $(id); if (e) { e.textContent = text; } }

  function status(text) { setText('pl-status', text); }

  function notice(text) {
    var box = $('pl-notice');
    box.textContent = text;
    box.hidden = false;
    clearTimeout(S.noticeTimer);
    S.noticeTimer = setTimeout(function () { box.hidden = true; }, 30000);
  }

  function render() {
    var line = '本课时已计入 ' + fmt(S.credited) + ' / 共 ' + fmt(S.duration);
    setText('pl-credited', '已计入 ' + fmt(S.credited) + ' / 共 ' + fmt(S.duration));
    var p = $('pl-lesson');
    p.textContent = line;
    if (S.completed) {
      var done = document.createElement('span');
      done.className = 'text-ok';
      done.textContent = ' ✓ 已学完';
      p.appendChild(done);
    }
    var pr = $('pl-progress');
    pr.max = Math.max(1, S.duration);
    pr.value = Math.min(S.credited, S.duration);
    pr.classList.toggle('tone-ok', S.completed);
    var capHours = Math.round(S.cap / 1800000);
    setText('pl-today', '今日已计入 ' + fmt(S.today) + '（每日上限 ' + capHours + ' 学时）');
    root.setAttribute('data-credited-ms', String(S.credited));
    if (S.cap > 0 && S.today >= S.cap) {
      status('今日学时已达上限（' + capHours + ' 学时），今天继续学习不再计入，请明天再来。');
    }
  }

  function renderClock() {
    setText('pl-clock', '已阅读 ' + clock(reading.pos) + ' / ' + clock(S.duration));
  }

  function setState(state) { if (bar) { bar.setAttribute('data-state', state); } }

  // ---------- where the learner is ----------
  function position() {
    var ms = video ? Math.floor(video.currentTime * 1000) : Math.floor(reading.pos);
    if (!(ms >= 0)) { ms = 0; }
    return S.duration > 0 ? Math.min(ms, S.duration) : ms;
  }

  function playing() { return video ? (!video.paused && !video.ended) : reading.on; }

  // ---------- heartbeats ----------
  function message(seq, pos) { return 'anpei/heartbeat/v1\n' + S.sid + '\n' + seq + '\n' + pos; }

  function sign(text) {
    if (S.key) {
      return S.key.then(function (k) { return window.crypto.subtle.sign('HMAC', k, utf8(text)); })
        .then(function (sig) { return toHex(new Uint8Array(sig)); }, function () {
          S.key = null; // Web Crypto failed: sign in JavaScript from now on
          return hmacHex(S.nonce, text);
        });
    }
    return Promise.resolve(hmacHex(S.nonce, text));
  }

  function request(url, body, keepalive) {
    var opts = { method: 'POST', credentials: 'same-origin', keepalive: !!keepalive,
      headers: { 'Accept': 'application/json', 'X-CSRF-Token': csrf() } };
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        return { status: res.status, data: data };
      });
    }, function () { return { status: 0, data: null }; });
  }

  function errorOf(r) {
    return (r.data && r.data.error) || { code: 'http_' + r.status, message: r.status === 0 ? '网络连接失败，请检查网络' : '学习记录提交失败（' + r.status + '）' };
  }

  function unsent() { return S.queue.length - (S.inflight ? 1 : 0); }

  // pending tells the page (and tests) how many heartbeats wait or fly.
  function pending() { root.setAttribute('data-pending', String(S.queue.length)); }

  // beat queues a heartbeat. Event heartbeats (play, pause, seek, end) carry
  // the position and state of their moment; a periodic one reads the player
  // when it goes out, and is skipped while another is waiting.
  function beat(why, pos, isPlaying) {
    if (S.stopped || !S.started) { return; }
    if (why === 'tick') {
      if (unsent() > 0) { return; }
      S.queue.push({ why: why, pos: null, playing: null });
    } else {
      S.queue.push({ why: why, pos: pos === undefined ? position() : pos, playing: isPlaying === undefined ? playing() : isPlaying });
    }
    pending();
    pump();
  }

  function pump() {
    if (S.inflight || S.stopped || !S.sid || S.queue.length === 0) { return; }
    var wait = S.waitUntil - Date.now();
    if (wait > 0) {
      clearTimeout(S.retryTimer);
      S.retryTimer = setTimeout(pump, wait);
      return;
    }
    var e = S.queue[0];
    if (e.pos === null) { e.pos = position(); e.playing = playing(); }
    var seq = ++S.seq;
    S.inflight = true;
    sign(message(seq, e.pos)).then(function (token) {
      return request('/api/v1/playback/' + encodeURIComponent(S.sid) + '/heartbeat',
        { seq: seq, position_ms: e.pos, playing: e.playing, token: token }, true);
    }).then(function (r) { answered(e, r); }, function () { answered(e, { status: 0, data: null }); });
  }

  function retry(ms) {
    S.waitUntil = Date.now() + ms;
    pump();
  }

  function answered(e, r) {
    S.inflight = false;
    if (S.stopped) { return; }
    if (r.status === 200 && r.data) {
      S.queue.shift();
      pending();
      S.lastBeatAt = Date.now();
      S.lastBeatPlaying = e.playing;
      if (S.failures > 0) { S.failures = 0; status('网络已恢复，学习记录继续提交。'); }
      applyBeat(r.data);
      pump();
      return;
    }
    if (r.status === 429) { // too soon after the last one: send it a little later
      retry(500);
      return;
    }
    if (r.status === 0 || r.status >= 500) {
      S.failures++;
      status('网络连接不稳定，学习记录正在重试提交…');
      retry(Math.min(15000, 1000 * Math.pow(2, S.failures)));
      return;
    }
    var err = errorOf(r);
    if (r.status === 401) {
      fatal('登录已过期，请刷新页面重新登录后继续学习。', '刷新页面');
      return;
    }
    fatal(err.message, '刷新页面');
  }

  function applyBeat(d) {
    S.credited = d.lesson_credited_ms || 0;
    S.today = d.credited_today_ms || 0;
    if (d.daily_cap_ms) { S.cap = d.daily_cap_ms; }
    S.completed = !!d.completed;
    render();
    if (d.superseded) {
      fatal('您已在其他设备或窗口开始学习，本页面不再计时。', '在本页面继续学习');
      return;
    }
    if (d.challenge) { showChallenge(d.challenge); }
    showExcluded(d.excluded);
  }

  function showExcluded(list) {
    var parts = [];
    (list || []).forEach(function (x) {
      if (x.reason === 'paused') { return; } // the learner paused: nothing was refused
      if (x.wall_ms >= 1000) {
        parts.push('本次有 ' + fmt(x.wall_ms) + '未计入：' + x.label);
      } else if (x.segment_ms >= 1000) {
        parts.push('本次有 ' + fmt(x.segment_ms) + '课程内容未计入：' + x.label);
      }
    });
    if (parts.length > 0) { notice(parts.join('；')); }
  }

  function periodic() {
    clearTimeout(S.timer);
    if (S.stopped || !playing()) { return; }
    S.timer = setTimeout(function () { beat('tick'); periodic(); }, S.heartbeatMs);
  }

  // resumed sends the heartbeat of a resume. After a long pause the
  // session would count the pause as an interrupted heartbeat; a fresh
  // session starts clean instead (what was credited, the day's count and
  // any pending presence challenge carry over on the server).
  function resumed() {
    if (S.started && S.sid && !S.lastBeatPlaying && S.lastBeatAt > 0 && Date.now() - S.lastBeatAt > 3 * S.heartbeatMs &&
        !S.inflight && unsent() === 0) {
      openSession(true);
    }
    beat('play', position(), true);
  }

  // fatal stops timing for good and offers a reload.
  function fatal(text, action) {
    S.stopped = true;
    clearTimeout(S.timer);
    clearTimeout(S.retryTimer);
    if (video && !video.paused) { video.pause(); }
    if (reading.on) { readTick(); reading.on = false; }
    if (toggle) { toggle.disabled = true; toggle.textContent = '已停止计时'; toggle.setAttribute('aria-pressed', 'false'); }
    closeChallenge();
    setState('stopped');
    setText('pl-error-text', text);
    $('pl-reload').textContent = action || '刷新页面';
    $('pl-error').hidden = false;
    status('本页面已停止计时。');
  }

  // ---------- reading lessons ----------
  function readTick() {
    if (!reading.on) { return; }
    var now = performance.now();
    reading.pos = Math.min(S.duration, reading.pos + (now - reading.at));
    reading.at = now;
    renderClock();
    if (reading.pos >= S.duration) {
      reading.on = false;
      reading.auto = false;
      clearTimeout(S.timer);
      toggle.textContent = '阅读计时已结束';
      toggle.disabled = true;
      toggle.setAttribute('aria-pressed', 'false');
      setState('ended');
      beat('ended');
      status('本课时阅读计时已结束。');
    }
  }

  function setReading(on, auto) {
    if (S.stopped || on === reading.on || (on && reading.pos >= S.duration)) { return; }
    reading.on = on;
    reading.auto = !on && !!auto;
    reading.at = performance.now();
    toggle.textContent = on ? '暂停' : (reading.pos > 0 ? '继续阅读' : '开始阅读');
    toggle.setAttribute('aria-pressed', on ? 'true' : 'false');
    setState(on ? 'playing' : 'paused');
    if (on) {
      S.started = true;
      resumed();
      periodic();
      status('正在计时：请认真阅读，本页面保持在前台时计时。');
    } else {
      clearTimeout(S.timer);
      beat('pause');
      status(auto ? '页面已切到后台，计时暂停；回到本页面后自动继续。' : '已暂停计时，点击“继续阅读”继续。');
    }
  }

  if (toggle) {
    toggle.addEventListener('click', function () {
      if (reading.on) { readTick(); setReading(false); } else { setReading(true); }
    });
    setInterval(readTick, 250);
    document.addEventListener('visibilitychange', function () {
      if (document.visibilityState === 'hidden' && reading.on) {
        readTick();
        setReading(false, true);
      } else if (document.visibilityState === 'visible' && reading.auto) {
        setReading(true);
      }
    });
  }

  // ---------- video lessons ----------
  function applyResume() {
    if (!video || S.resumed || S.started || !S.sid || video.readyState < 1) { return; }
    S.resumed = true;
    if (S.resume > 0) {
      S.resumeSeek = true; // our own seek: no heartbeats for it
      video.currentTime = S.resume / 1000;
      status('已从上次学习的位置 ' + clock(S.resume) + ' 继续。');
    }
  }

  function lastUnsent() { return unsent() > 0 ? S.queue[S.queue.length - 1] : null; }

  if (video) {
    video.addEventListener('loadedmetadata', applyResume);
    video.addEventListener('timeupdate', function () {
      if (!video.seeking) { S.lastPos = position(); }
    });
    video.addEventListener('play', function () {
      if (S.stopped) { return; } // watching goes on; only the timing has stopped
      S.started = true;
      setState('playing');
      resumed();
      periodic();
    });
    video.addEventListener('pause', function () {
      if (video.ended || S.stopped) { return; }
      setState('paused');
      clearTimeout(S.timer);
      beat('pause', position(), false);
    });
    video.addEventListener('seeking', function () {
      if (!S.started || S.stopped || S.resumeSeek) { return; }
      var last = lastUnsent();
      if (last && last.why === 'seek-to') { return; } // still scrubbing: the start is already queued
      beat('seek-from', S.lastPos, !video.paused);
    });
    video.addEventListener('seeked', function () {
      if (S.resumeSeek) { S.resumeSeek = false; S.lastPos = position(); return; }
      if (!S.started || S.stopped) { return; }
      S.lastPos = position();
      var last = lastUnsent();
      if (last && last.why === 'seek-to') {
        last.pos = S.lastPos;
        last.playing = !video.paused;
        return;
      }
      beat('seek-to', S.lastPos, !video.paused);
      periodic();
    });
    video.addEventListener('ended', function () {
      clearTimeout(S.timer);
      setState('ended');
      beat('ended', S.duration, false);
    });
    video.addEventListener('ratechange', function () {
      if (video.playbackRate > S.maxRate) {
        video.playbackRate = S.maxRate;
        notice('最高可按 ' + S.maxRate + ' 倍速播放，更快的播放不计入学时。');
      }
      if (video.defaultPlaybackRate > S.maxRate) { video.defaultPlaybackRate = S.maxRate; }
    });
  }

  // ---------- leaving the page ----------
  window.addEventListener('pagehide', function () {
    if (!S.started || S.stopped || !S.sid) { return; }
    if (reading.on) { readTick(); reading.on = false; reading.auto = true; }
    if (S.inflight) { return; } // never two at once; the one on its way carries the state
    var seq = ++S.seq, pos = position();
    S.queue = [];
    pending();
    request('/api/v1/playback/' + encodeURIComponent(S.sid) + '/heartbeat',
      { seq: seq, position_ms: pos, playing: false, token: hmacHex(S.nonce, message(seq, pos)) }, true);
  });
  window.addEventListener('pageshow', function (ev) {
    if (ev.persisted) { location.reload(); } // back from the cache: open a new session
  });

  $('pl-reload').addEventListener('click', function () { location.reload(); });

  // ---------- presence challenges ----------
  var ch = { id: '', sid: '', shownAt: 0, timeout: 0, timer: 0, prevFocus: null, done: {}, busy: false };

  function optionButtons() { return Array.prototype.slice.call($('pl-ch-options').querySelectorAll('button')); }

  function showChallenge(c) {
    if (!c || !c.id || ch.done[c.id] || ch.id === c.id || S.stopped) { return; }
    ch.id = c.id;
    ch.sid = S.sid;
    ch.shownAt = Date.now();
    ch.timeout = c.timeout_ms || 60000;
    setText('pl-ch-code', c.code);
    var box = $('pl-ch-options');
    box.textContent = '';
    (c.options || []).forEach(function (o) {
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'btn ch-option';
      b.textContent = o;
      b.setAttribute('data-code', o);
      b.addEventListener('click', function () { answer(c.id, o); });
      box.appendChild(b);
    });
    $('pl-ch-error').hidden = true;
    ch.prevFocus = document.activeElement;
    modal.hidden = false;
    document.body.classList.add('modal-open');
    countdown();
    clearInterval(ch.timer);
    ch.timer = setInterval(countdown, 1000);
    var first = optionButtons()[0];
    if (first) { first.focus(); }
  }

  function countdown() {
    var left = Math.ceil((ch.timeout - (Date.now() - ch.shownAt)) / 1000);
    setText('pl-ch-count', left > 0 ? '请在 ' + left + ' 秒内点击确认，学习计时不会中断。' :
      '已超时：从超时起到您确认之前的学习时间不计入学时，请尽快点击确认。');
  }

  function closeChallenge() {
    if (!modal || modal.hidden) { return; }
    modal.hidden = true;
    document.body.classList.remove('modal-open');
    clearInterval(ch.timer);
    ch.id = '';
    var back = ch.prevFocus && document.contains(ch.prevFocus) ? ch.prevFocus : (toggle || video);
    if (back && back.focus) { back.focus(); }
  }

  function answer(id, code) {
    if (ch.busy) { return; }
    ch.busy = true;
    optionButtons().forEach(function (b) { b.disabled = true; });
    request('/api/v1/playback/' + encodeURIComponent(ch.sid) + '/challenge', { challenge_id: id, code: code }).then(function (r) {
      ch.busy = false;
      optionButtons().forEach(function (b) { b.disabled = false; });
      if (r.status === 204 || r.status === 200) {
        ch.done[id] = true;
        closeChallenge();
        status('已确认，感谢配合，请继续学习。');
        return;
      }
      var err = errorOf(r);
      if (err.code === 'challenge_unknown') { // a newer one will come with the next heartbeat
        ch.done[id] = true;
        closeChallenge();
        notice(err.message);
        return;
      }
      var box = $('pl-ch-error');
      box.textContent = err.code === 'challenge_wrong' ? '数字不正确，请点击数字 ' + $('pl-ch-code').textContent + '。' : err.message;
      box.hidden = false;
      var first = optionButtons()[0];
      if (first) { first.focus(); }
    });
  }

  if (modal) {
    // Keep the keyboard inside the dialog while it is open.
    modal.addEventListener('keydown', function (ev) {
      if (ev.key === 'Escape') { ev.preventDefault(); return; }
      if (ev.key !== 'Tab') { return; }
      var bs = optionButtons();
      if (bs.length === 0) { return; }
      var i = bs.indexOf(document.activeElement);
      ev.preventDefault();
      i = ev.shiftKey ? (i <= 0 ? bs.length - 1 : i - 1) : (i + 1) % bs.length;
      bs[i].focus();
    });
    document.addEventListener('focusin', function (ev) {
      if (!modal.hidden && !modal.contains(ev.target)) {
        var first = optionButtons()[0];
        if (first) { first.focus(); }
      }
    });
  }

  // ---------- start ----------
  function resumeAt(covered, duration) {
    if (!covered || covered.length === 0 || covered[0][0] > 0) { return 0; }
    var end = covered[0][1];
    return end >= duration - 1000 ? 0 : end;
  }

  // openSession starts a playback session; again: a fresh one for this page
  // after a long pause (heartbeats wait in the queue meanwhile).
  function openSession(again) {
    S.sid = '';
    request('/api/v1/lessons/' + encodeURIComponent(lessonID) + '/playback').then(function (r) {
      if (S.stopped) { return; }
      if (r.status !== 201 || !r.data || !r.data.id) {
        fatal(errorOf(r).message + (r.status === 0 ? '，无法开始学习记录。' : ''), '刷新页面');
        return;
      }
      var d = r.data;
      S.sid = d.id;
      S.nonce = d.nonce;
      S.seq = 0;
      S.lastBeatAt = 0;
      S.duration = d.duration_ms;
      S.heartbeatMs = Math.max(1000, d.heartbeat_ms || 15000);
      S.maxRate = d.max_rate >= 1 ? d.max_rate : 1;
      S.credited = d.credited_ms || 0;
      S.today = d.credited_today_ms || 0;
      S.cap = d.daily_cap_ms || 0;
      S.completed = S.duration > 0 && S.credited >= S.duration - 1000;
      S.key = null;
      var subtle = window.crypto && window.crypto.subtle;
      if (subtle && window.isSecureContext !== false) {
        try {
          S.key = subtle.importKey('raw', fromHex(S.nonce), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
        } catch (e) { S.key = null; }
      }
      render();
      if (!again) { ready(d); }
      pump();
    });
  }

  function ready(d) {
    S.resume = resumeAt(d.covered, S.duration);
    setText('pl-maxrate', String(S.maxRate));
    setState('ready');
    var done = S.completed ? '本课时已学完，再次学习不重复计入。' : '';
    if (video) {
      video.playbackRate = Math.min(video.playbackRate, S.maxRate);
      status(done || '学习记录已就绪，点击播放开始学习。');
      applyResume();
    } else {
      reading.pos = S.resume;
      renderClock();
      toggle.disabled = false;
      toggle.textContent = reading.pos > 0 ? '继续阅读' : '开始阅读';
      status(done || '学习记录已就绪，点击“开始阅读”开始计时。');
    }
  }

  openSession(false);
})();

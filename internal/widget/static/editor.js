// The /widget/ page: builds the snippet from the form and previews it with
// the same script the district site will load.
(function () {
  'use strict';
  var endpoint = new URL('/open/graphql', location.href).href;
  var scriptURL = new URL('lifecircle-widget.js', location.href).href;
  var $ = function (id) { return document.getElementById(id); };

  function gql(query, variables) {
    var url = endpoint + '?query=' + encodeURIComponent(query) + '&variables=' + encodeURIComponent(JSON.stringify(variables || {}));
    return fetch(url, { credentials: 'omit' }).then(function (r) { return r.json(); }).then(function (b) {
      if (b.errors) throw new Error(b.errors[0].message);
      return b.data;
    });
  }

  function option(value, text) {
    var o = document.createElement('option');
    o.value = value;
    o.textContent = text;
    return o;
  }

  // Communities, 100 a page (the public endpoint caps pages at 100).
  function loadCommunities(after, sel) {
    var q = 'query($after: Cursor) { regions(first: 100, after: $after, where: {level: COMMUNITY}, orderBy: {field: NAME}) ' +
      '{ pageInfo { hasNextPage endCursor } edges { node { id name nameEn } } } }';
    return gql(q, { after: after }).then(function (d) {
      if (!after) sel.replaceChildren();
      d.regions.edges.forEach(function (e) {
        sel.append(option(e.node.id, e.node.name + (e.node.nameEn ? ' · ' + e.node.nameEn : '')));
      });
      if (d.regions.pageInfo.hasNextPage) return loadCommunities(d.regions.pageInfo.endCursor, sel);
    });
  }

  // The compounds of the chosen community, all pages; a reply for a
  // community no longer chosen is dropped.
  function loadCompounds() {
    var sel = $('compound');
    var community = $('community').value;
    sel.replaceChildren(option('', '整个社区 Whole community'));
    if (!community) return Promise.resolve();
    var q = 'query($id: ID!, $after: Cursor) { node(id: $id) { ... on Region { compounds(first: 100, after: $after, orderBy: {field: NAME}) ' +
      '{ pageInfo { hasNextPage endCursor } edges { node { id name } } } } } }';
    function page(after) {
      return gql(q, { id: community, after: after }).then(function (d) {
        if ($('community').value !== community) return;
        var c = d.node.compounds;
        c.edges.forEach(function (e) { sel.append(option(e.node.id, e.node.name)); });
        if (c.pageInfo.hasNextPage) return page(c.pageInfo.endCursor);
      });
    }
    return page(null);
  }

  function loadCategories() {
    return gql('{ categories { code group label(lang: "zh-Hans") en: label(lang: "en") } }').then(function (d) {
      var box = $('categories');
      d.categories.forEach(function (c) {
        var l = document.createElement('label');
        var i = document.createElement('input');
        i.type = 'checkbox';
        i.value = c.code;
        l.append(i, ' ' + c.label + ' ', Object.assign(document.createElement('span'), { lang: 'en', textContent: c.en }));
        box.append(l);
      });
    });
  }

  // The services and tags of the chosen community's facilities, as check
  // boxes (all pages); a reply for a community no longer chosen is
  // dropped, ticked values the new community also has stay ticked.
  function loadLabels() {
    var community = $('community').value;
    var ticked = { services: checked('services'), tags: checked('tags') };
    var seen = { services: {}, tags: {} };
    var q = 'query($c: ID!, $after: Cursor) { facilities(first: 100, after: $after, where: {communityID: $c}) ' +
      '{ pageInfo { hasNextPage endCursor } edges { node { services tags } } } }';
    function fill() {
      ['services', 'tags'].forEach(function (kind) {
        var box = $(kind);
        box.replaceChildren();
        Object.keys(seen[kind]).sort().forEach(function (v) {
          var l = document.createElement('label');
          var i = document.createElement('input');
          i.type = 'checkbox';
          i.value = v;
          i.checked = ticked[kind].indexOf(v) >= 0;
          l.append(i, ' ' + v);
          box.append(l);
        });
      });
    }
    function page(after) {
      return gql(q, { c: community, after: after }).then(function (d) {
        if ($('community').value !== community) return;
        d.facilities.edges.forEach(function (e) {
          (e.node.services || []).forEach(function (v) { seen.services[v] = true; });
          (e.node.tags || []).forEach(function (v) { seen.tags[v] = true; });
        });
        if (d.facilities.pageInfo.hasNextPage) return page(d.facilities.pageInfo.endCursor);
        fill();
      });
    }
    if (!community) { fill(); return Promise.resolve(); }
    return page(null);
  }

  function checked(box) {
    return Array.prototype.map.call(document.querySelectorAll('#' + box + ' input:checked'), function (i) { return i.value; });
  }

  // 一老一少: the tag 一老一幼 and the services for the elderly and
  // children the community's facilities name, ticked where present.
  var YILAO = { tags: ['一老一幼', '老年食堂', '课后托管'], services: ['老年助餐', '助餐', '日间照料', '公益课后托管', '作业辅导'] };

  function attrs() {
    var a = [['data-lifecircle-widget', null]];
    if ($('compound').value) a.push(['data-compound', $('compound').value]);
    else if ($('community').value) a.push(['data-community', $('community').value]);
    a.push(['data-lang', $('lang').value]);
    if ($('minutes').value && $('minutes').value !== '15') a.push(['data-minutes', $('minutes').value]);
    if ($('coverage').value !== 'summary') a.push(['data-coverage', $('coverage').value]);
    var cats = Array.prototype.map.call(document.querySelectorAll('#categories input:checked'), function (i) { return i.value; });
    if (cats.length) a.push(['data-categories', cats.join(',')]);
    if (checked('services').length) a.push(['data-services', checked('services').join(',')]);
    if (checked('tags').length) a.push(['data-tags', checked('tags').join(',')]);
    a.push(['data-height', $('height').value || '520']);
    if ($('tiles').value.trim()) {
      a.push(['data-tiles', $('tiles').value.trim()]);
      if ($('crs').value) a.push(['data-tiles-crs', $('crs').value]);
      if ($('attribution').value.trim()) a.push(['data-tiles-attribution', $('attribution').value.trim()]);
    }
    return a;
  }

  function escapeAttr(s) {
    return String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  }

  function update() {
    var a = attrs();
    var width = $('width').value.trim() || '100%';
    var html = '<div ' + a.map(function (p) { return p[1] === null ? p[0] : p[0] + '="' + escapeAttr(p[1]) + '"'; }).join(' ') +
      ' style="width:' + escapeAttr(width) + '"></div>\n<script src="' + scriptURL + '" async></script>';
    $('snippet').value = html;
    var div = document.createElement('div');
    a.forEach(function (p) { div.setAttribute(p[0], p[1] === null ? '' : p[1]); });
    div.style.width = width;
    var old = $('preview').querySelector('[data-lifecircle-widget]');
    if (old && old.lifecircleWidget) old.lifecircleWidget.destroy();
    $('preview').replaceChildren(div);
    window.LifecircleWidget.mount();
  }

  $('copy').addEventListener('click', function () {
    $('snippet').select();
    var done = function () { $('copied').textContent = '已复制 Copied'; };
    if (navigator.clipboard) navigator.clipboard.writeText($('snippet').value).then(done, function () { document.execCommand('copy'); done(); });
    else { document.execCommand('copy'); done(); }
  });
  $('preset-yilao').addEventListener('click', function () {
    ['services', 'tags'].forEach(function (kind) {
      document.querySelectorAll('#' + kind + ' input').forEach(function (i) { i.checked = YILAO[kind].indexOf(i.value) >= 0; });
    });
    update();
  });
  $('settings').addEventListener('change', function (e) {
    if (e.target.id === 'community') Promise.all([loadCompounds(), loadLabels()]).then(update);
    else update();
  });
  Promise.all([loadCommunities(null, $('community')).then(function () { return Promise.all([loadCompounds(), loadLabels()]); }), loadCategories()]).then(update, function (e) {
    $('preview').textContent = '加载失败 Could not load: ' + e.message;
  });
})();

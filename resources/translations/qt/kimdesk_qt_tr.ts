<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="tr">
<context>
    <name>QFileDialog</name>
    <message>
        <source>&amp;Look in:</source>
        <translation>Ara&amp;ma konumu:</translation>
    </message>
    <message>
        <source>Files of &amp;type:</source>
        <translation>Şu &amp;türde dosyalar:</translation>
    </message>
</context>
</TS>
